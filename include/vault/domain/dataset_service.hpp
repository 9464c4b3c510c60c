#pragma once
/// Datasets: validation of names/tags/schemas, ETags, archive state, stats,
/// and the compiled-schema cache used by the record write path.
#include "vault/core/error.hpp"
#include "vault/domain/key_events.hpp"
#include "vault/storage/dataset_store.hpp"

#include <boost/json/value.hpp>

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace vault::domain {

class JsonSchema;

struct NewDataset {
  std::string name;
  std::string description;
  std::vector<std::string> tags;
  std::optional<boost::json::value> schema;
  std::optional<boost::json::value> pii_policy;  ///< see pii/policy.hpp; unset/null = server default
};

struct DatasetUpdate {
  std::optional<std::string> name;
  std::optional<std::string> description;
  std::optional<std::vector<std::string>> tags;
  std::optional<std::optional<boost::json::value>> schema;  ///< outer set, inner null = remove
  std::optional<std::optional<boost::json::value>> pii_policy;  ///< outer set, inner null = default
};

struct DatasetPage {
  std::vector<storage::Dataset> items;
  std::optional<std::string> next_cursor;
};

struct DatasetListQuery {
  std::optional<std::string> tag, status, name_prefix, cursor;
  int limit = 100;
};

class DatasetService {
 public:
  /// Publishes dataset_keys_changed on `events` when a dataset (and with it
  /// its data keys) is deleted.
  DatasetService(storage::DatasetStore& store, KeyEvents& events);
  ~DatasetService();

  Result<storage::Dataset> create(const std::string& tenant_id, const NewDataset& in);
  Result<storage::Dataset> get(const std::string& tenant_id, const std::string& id);
  Result<DatasetPage> list(const std::string& tenant_id, const DatasetListQuery& q);
  /// ConcurrentModification when if_match is given and stale.
  Result<storage::Dataset> update(const std::string& tenant_id, const std::string& id,
                                  const DatasetUpdate& in, std::optional<std::int64_t> if_match);
  Result<storage::Dataset> set_status(const std::string& tenant_id, const std::string& id,
                                      const std::string& status);
  Status remove(const std::string& tenant_id, const std::string& id);

  /// The compiled schema of a dataset row (nullptr when it has none), cached
  /// by (dataset id, etag).
  Result<std::shared_ptr<const JsonSchema>> schema_of(const storage::Dataset& d);

  static Status validate_name(const std::string& name);

 private:
  storage::DatasetStore& store_;
  KeyEvents& events_;
  std::mutex mu_;
  std::unordered_map<std::string, std::pair<std::int64_t, std::shared_ptr<const JsonSchema>>>
      schemas_;
};

}  // namespace vault::domain
