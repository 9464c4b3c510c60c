#pragma once
// The bodies of the two key rotation jobs (KeyRotationService runs them on
// their own threads). Each returns true when the job finished its work,
// false when it was asked to stop (it resumes from the persisted cursor).
#include "vault/domain/key_rotation.hpp"

namespace vault::domain::keyjobs {

struct Context {
  const storage::Stores& stores;
  crypto::Envelope& envelope;
  const KeyRotationOptions& options;
  const std::atomic<bool>& stop;
  /// Persists the job (progress) and reports it to the observer.
  std::function<Status(const storage::KeyJob&)> save;
  std::function<void(const std::string&, const std::string&)> dek_changed;
  /// The tenant's KEK got or lost a version (after rotate and after retire).
  std::function<void(const std::string&)> kek_changed;
  /// Where payloads larger than storage.inline_max_bytes live (null: none).
  storage::BlobStore* blobs = nullptr;
};

/// Rotates the KEK if the job has not done it yet (to_version == 0).
Status begin_kek(Context& c, storage::KeyJob& job);
Result<bool> run_kek(Context& c, storage::KeyJob& job);

/// Creates DEK to_version if it does not exist yet and makes it the one new
/// writes use (older non-retired versions become decrypt_only).
Status begin_dek(Context& c, storage::KeyJob& job);
Result<bool> run_dek(Context& c, storage::KeyJob& job);

}  // namespace vault::domain::keyjobs
