#pragma once
/// Online key rotation jobs, run in the background and persisted in the
/// store (JobStore key jobs) so that a restart resumes them.
///
/// - KEK rotation (per tenant): KeyProvider::rotate, then every wrapped key of
///   the tenant — every dataset's DEKs and every named tenant key version —
///   is rewrapped with the new KEK version (Envelope::rewrap). A final pass
///   re-checks (racing writers may have wrapped with the old version just
///   before the rotation); then every older KEK version is retired.
/// - DEK rotation (per dataset): DEK version N+1 is created and becomes the
///   one new writes use (older ones become decrypt_only); every stored
///   revision (superseded ones too, so time travel keeps working) is
///   re-encrypted under it in place (compare-and-swap: concurrent writes add
///   new revisions and are never lost); after a settle delay and a re-check
///   of revisions written meanwhile, the old DEKs are retired and their
///   wrapped bytes destroyed (shredded).
///
/// At most one job per tenant runs at a time (Conflict otherwise), across
/// both types. Reads and writes keep working while a job runs. Progress is
/// persisted after every page. Errors name ids and codes, never key bytes.
#include "vault/core/error.hpp"
#include "vault/crypto/envelope.hpp"
#include "vault/domain/key_events.hpp"
#include "vault/storage/blob_store.hpp"
#include "vault/storage/stores.hpp"

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace vault::domain {

struct KeyRotationOptions {
  int page_size = 200;  ///< datasets (KEK job) or revisions (DEK job) per page
  /// Wait before the final re-check, so writes that took the old key just
  /// before the switch have committed (and get re-encrypted/rewrapped).
  std::chrono::milliseconds settle{500};
};

/// Metrics hooks; `type` is storage::key_job_type_name ("kek_rotation" |
/// "dek_rotation"), `status` storage::key_job_state_name of the end state
/// ("succeeded" | "failed"); no ids.
struct KeyRotationObserver {
  std::function<void(std::string_view type, double ratio)> progress;
  std::function<void(std::string_view type, std::string_view status)> finished;
};

class KeyRotationService {
 public:
  /// Uses the tenants (existence), datasets (listing), records (rewrapping
  /// payloads), keys (data and tenant keys) and jobs of `stores`. When the
  /// DEK that new writes of a dataset use changes or an old one is retired,
  /// forgets it in `envelope` and publishes dataset_keys_changed on `events`.
  KeyRotationService(const storage::Stores& stores, crypto::Envelope& envelope, KeyEvents& events,
                     KeyRotationOptions options = {});
  /// Stops running jobs at their next page (they stay "running" in the store
  /// and resume at the next start) and joins their threads.
  ~KeyRotationService();
  KeyRotationService(const KeyRotationService&) = delete;
  KeyRotationService& operator=(const KeyRotationService&) = delete;

  crypto::Envelope& envelope() { return envelope_; }
  void set_observer(KeyRotationObserver observer);
  /// The blob store of payloads larger than storage.inline_max_bytes (a DEK
  /// rotation re-encrypts them too). Set before resume() and start_*().
  void set_blob_store(storage::BlobStore* blobs) { blobs_ = blobs; }

  /// Rotates the tenant's KEK now and starts rewrapping in the background.
  /// Conflict if a job of the tenant runs; TenantNotFound for an unknown tenant.
  Result<storage::KeyJob> start_kek_rotation(const std::string& tenant_id);
  /// Creates the dataset's next DEK now (new writes use it) and starts
  /// re-encrypting in the background. Conflict if a job of the tenant runs
  /// or the dataset has no data key yet (nothing written); DatasetNotFound.
  Result<storage::KeyJob> start_dek_rotation(const std::string& tenant_id, const std::string& dataset_id);

  /// ResourceNotFound if the tenant has no such job.
  Result<storage::KeyJob> job(const std::string& tenant_id, const std::string& id);
  /// The tenant's latest jobs, newest first.
  Result<std::vector<storage::KeyJob>> jobs(const std::string& tenant_id, int limit = 10);

  /// Resumes every job the store has as running (call once at start-up).
  /// Returns how many were resumed.
  Result<int> resume();
  /// Stops the tenant's running job (if any) and waits for it (tenant purge).
  void cancel_tenant(const std::string& tenant_id);
  /// Blocks until no job thread is running (tests, benchmarks).
  void wait_idle();
  /// Stops every job at its next page and joins the threads.
  void stop();

 private:
  struct Worker {
    std::thread thread;
    std::shared_ptr<std::atomic<bool>> stop;
    std::shared_ptr<std::atomic<bool>> done;
  };

  /// Assigns the job its id, persists it, runs its first step now and the
  /// rest in the background; a failed first step ends the job as failed.
  Result<storage::KeyJob> start(storage::KeyJob job);
  /// Records the job's end (succeeded, or failed with the error of
  /// `outcome`) in the store and reports it (`report`: progress) to the observer.
  void end(storage::KeyJob& job, const Status& outcome,
           const std::function<void(const storage::KeyJob&)>& report = {});
  void launch(storage::KeyJob job);
  void run(storage::KeyJob job, const std::shared_ptr<std::atomic<bool>>& stop);
  void reap_locked();

  const storage::Stores stores_;
  crypto::Envelope& envelope_;
  KeyRotationOptions options_;
  KeyRotationObserver observer_;
  KeyEvents& events_;
  storage::BlobStore* blobs_ = nullptr;
  /// Forgets a dataset's cached DEKs and publishes the change (jobs call it).
  std::function<void(const std::string&, const std::string&)> dek_changed_;
  std::mutex mu_;
  std::map<std::string, Worker> workers_;  ///< by tenant id
  bool stopped_ = false;
};

}  // namespace vault::domain
