#pragma once
/// Key rotation jobs (KEK and DEK rotation), persisted so that a restart
/// resumes them. The shared contract of every store (tenant scoping,
/// thread-safety, durability, group commit, error mapping) is in stores.hpp.
#include "vault/core/error.hpp"
#include "vault/storage/types.hpp"

#include <string>
#include <vector>

namespace vault::storage {

class JobStore {
 public:
  virtual ~JobStore() = default;

  /// Stores a new job. Conflict if the tenant already has a running job
  /// (one key job per tenant at a time).
  virtual Status create_key_job(const KeyJob& j) = 0;
  /// Replaces state, total, done, versions, cursor, error and updated_at.
  /// ResourceNotFound if the tenant has no such job.
  virtual Status update_key_job(const KeyJob& j) = 0;
  /// ResourceNotFound if the tenant has no such job.
  virtual Result<KeyJob> get_key_job(const std::string& tenant_id, const std::string& id) = 0;
  /// The tenant's latest jobs, newest first.
  virtual Result<std::vector<KeyJob>> list_key_jobs(const std::string& tenant_id, int limit) = 0;
  /// Every running job of every tenant (resumed at start-up).
  virtual Result<std::vector<KeyJob>> list_running_key_jobs() = 0;
};

}  // namespace vault::storage
