#pragma once
/// Dataset versions (named snapshots of a dataset's sequence). The shared
/// contract of every store (tenant scoping, thread-safety, durability, group
/// commit, error mapping) is in stores.hpp.
#include "vault/core/error.hpp"
#include "vault/storage/types.hpp"

#include <string>
#include <vector>

namespace vault::storage {

class VersionStore {
 public:
  virtual ~VersionStore() = default;

  /// Stores a version; assigns number = previous max + 1 and returns it.
  /// The caller has computed seq, counts and hash. Validation if seq is
  /// outside the dataset's history. Bumps the dataset's version_count in the
  /// same transaction.
  virtual Result<Version> create_version(const std::string& tenant_id, const Version& v) = 0;
  virtual Result<std::vector<Version>> list_versions(const std::string& tenant_id,
                                                     const std::string& dataset_id) = 0;
  /// VersionNotFound if absent.
  virtual Result<Version> get_version(const std::string& tenant_id,
                                      const std::string& dataset_id, std::int64_t number) = 0;
};

}  // namespace vault::storage
