#pragma once
// The body of KeyStore::update_data_keys, the same on every backend: inside
// the backend's transaction, each key's dataset row is looked up once (a
// dataset deleted meanwhile is remembered as gone and its keys skipped),
// then each key is rewritten. Private to src/storage.
#include "vault/core/error.hpp"
#include "vault/storage/types.hpp"

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace vault::storage {

/// `dataset_pk(tenant, dataset)` gives the dataset row's pk, or an error
/// (DatasetNotFound: the dataset is gone, its keys are skipped);
/// `update(pk, key)` rewrites one key and returns the rows it changed.
template <class DatasetPk, class Update>
Result<std::int64_t> update_data_keys_by_dataset(const std::vector<DataKey>& keys, DatasetPk dataset_pk,
                                                 Update update) {
  std::map<std::pair<std::string, std::string>, std::optional<std::int64_t>> pks;  // dataset → pk (none: gone)
  std::int64_t updated = 0;
  for (const auto& k : keys) {
    auto it = pks.find({k.tenant_id, k.dataset_id});
    if (it == pks.end()) {
      Result<std::int64_t> pk = dataset_pk(k.tenant_id, k.dataset_id);
      if (!pk && pk.error().kind() != ErrorKind::DatasetNotFound) return std::unexpected(pk.error());
      it = pks.emplace(std::pair{k.tenant_id, k.dataset_id}, pk ? std::optional<std::int64_t>(*pk) : std::nullopt)
               .first;
    }
    if (!it->second) continue;
    auto n = update(*it->second, k);
    if (!n) return std::unexpected(n.error());
    updated += *n;
  }
  return updated;
}

}  // namespace vault::storage
