// SqliteKeyStore: wrapped data keys (table data_keys, migration 2).
#include "storage/data_key_rewraps.hpp"
#include "storage/sqlite_stores.hpp"
#include "storage/sqlite_rows.hpp"

namespace vault::storage {

using sqlite::Connection;

Status SqliteKeyStore::put_data_key(const DataKey& k) {
  if (k.version < 1) return fail(ErrorKind::Validation, "data key version must be >= 1");
  return db_.write<void>([&](Connection& c) -> Status {
    auto row = sqlite::load_dataset(c, k.tenant_id, k.dataset_id);
    if (!row) return std::unexpected(row.error());
    auto dup = c.prepare("SELECT 1 FROM data_keys WHERE dataset_pk=? AND version=?");
    if (dup) dup->bind(1, row->pk).bind(2, k.version);
    auto has = sqlite::exists(dup);
    if (!has) return std::unexpected(has.error());
    if (*has)
      return fail(ErrorKind::Conflict, "the dataset already has a data key of this version",
                  {{"version", k.version}});
    auto st = c.prepare(
        "INSERT INTO data_keys(dataset_pk, version, kek_id, kek_version, wrapped, state, created_at) "
        "VALUES(?,?,?,?,?,?,?)");
    if (!st) return std::unexpected(st.error());
    return st->bind(1, row->pk)
        .bind(2, k.version)
        .bind(3, k.kek_id)
        .bind(4, k.kek_version)
        .bind_blob(5, k.wrapped)
        .bind(6, data_key_state_name(k.state))
        .bind(7, k.created_at ? k.created_at : sqlite::now_micros())
        .run();
  });
}

Result<std::vector<DataKey>> SqliteKeyStore::list_data_keys(const std::string& tenant_id,
                                                            const std::string& dataset_id) {
  using R = std::vector<DataKey>;
  return db_.read<R>([&](Connection& c) -> Result<R> {
    auto row = sqlite::load_dataset(c, tenant_id, dataset_id);
    if (!row) return std::unexpected(row.error());
    auto st = c.prepare(
        "SELECT version, kek_id, kek_version, wrapped, state, created_at FROM data_keys "
        "WHERE dataset_pk=? ORDER BY version");
    if (st) st->bind(1, row->pk);
    return sqlite::collect(st, [&](const sqlite::Stmt& s) -> Result<DataKey> {
      auto state = sqlite::enum_column(s, 4, parse_data_key_state, "data_keys.state");
      if (!state) return std::unexpected(state.error());
      DataKey k;
      k.tenant_id = tenant_id;
      k.dataset_id = dataset_id;
      k.version = s.int64(0);
      k.kek_id = s.text(1);
      k.kek_version = s.int64(2);
      k.wrapped = s.blob(3);
      k.state = *state;
      k.created_at = s.int64(5);
      return k;
    });
  });
}

namespace {

/// The rewrap UPDATE of one key of the dataset `dataset_pk`; rows changed (0 or 1).
Result<std::int64_t> update_wrapped(Connection& c, std::int64_t dataset_pk, const DataKey& k) {
  auto st = c.prepare(  // cached per connection
      "UPDATE data_keys SET kek_id=?, kek_version=?, wrapped=?, state=? WHERE dataset_pk=? AND version=?");
  if (!st) return std::unexpected(st.error());
  if (auto s = st->bind(1, k.kek_id)
                   .bind(2, k.kek_version)
                   .bind_blob(3, k.wrapped)
                   .bind(4, data_key_state_name(k.state))
                   .bind(5, dataset_pk)
                   .bind(6, k.version)
                   .run();
      !s)
    return std::unexpected(s.error());
  return c.changes();
}

}  // namespace

Status SqliteKeyStore::update_data_key(const DataKey& k) {
  return db_.write<void>([&](Connection& c) -> Status {
    auto row = sqlite::load_dataset(c, k.tenant_id, k.dataset_id);
    if (!row) return std::unexpected(row.error());
    auto n = update_wrapped(c, row->pk, k);
    if (!n) return std::unexpected(n.error());
    if (*n == 0) return fail(ErrorKind::ResourceNotFound, "no data key of this version", {{"version", k.version}});
    return {};
  });
}

Result<std::int64_t> SqliteKeyStore::update_data_keys(const std::vector<DataKey>& keys) {
  if (keys.empty()) return 0;
  return db_.write<std::int64_t>([&](Connection& c) -> Result<std::int64_t> {
    return update_data_keys_by_dataset(
        keys,
        [&](const std::string& tenant, const std::string& dataset) -> Result<std::int64_t> {
          auto row = sqlite::load_dataset(c, tenant, dataset);
          if (!row) return std::unexpected(row.error());
          return row->pk;
        },
        [&](std::int64_t pk, const DataKey& k) { return update_wrapped(c, pk, k); });
  });
}

}  // namespace vault::storage
