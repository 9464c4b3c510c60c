#pragma once
/// Datasets. The shared contract of every store (tenant scoping,
/// thread-safety, durability, group commit, error mapping) is in stores.hpp.
#include "vault/core/error.hpp"
#include "vault/storage/types.hpp"

#include <optional>
#include <string>
#include <vector>

namespace vault::storage {

class DatasetStore {
 public:
  virtual ~DatasetStore() = default;

  /// Conflict if the tenant already has a dataset of that name. Returns the
  /// stored row (etag 1, seq and counters 0).
  virtual Result<Dataset> create_dataset(const Dataset& d) = 0;
  virtual Result<Dataset> get_dataset(const std::string& tenant_id, const std::string& id) = 0;
  /// Sorted by id ascending; at most filter.limit items, starting after filter.after_id.
  virtual Result<std::vector<Dataset>> list_datasets(const std::string& tenant_id,
                                                     const DatasetFilter& filter) = 0;
  /// Applies the patch and bumps etag. ConcurrentModification if expected_etag
  /// is set and differs; Conflict on a name clash.
  virtual Result<Dataset> update_dataset(const std::string& tenant_id, const std::string& id,
                                         const DatasetPatch& patch,
                                         std::optional<std::int64_t> expected_etag) = 0;
  /// Removes the dataset in one transaction that spans the dataset's records
  /// (every revision), versions and data keys (crypto-shredding of its
  /// payloads); nothing of it remains readable.
  virtual Status delete_dataset(const std::string& tenant_id, const std::string& id) = 0;
};

}  // namespace vault::storage
