// SqliteKeyStore: wrapped data keys (table data_keys, migration 2).
#include "storage/sqlite_stores.hpp"
#include "storage/sqlite_rows.hpp"

namespace vault::storage {

using sqlite::Connection;

namespace {

bool valid_state(const std::string& s) { return s == "active" || s == "decrypt_only" || s == "retired"; }

}  // namespace

Status SqliteKeyStore::put_data_key(const DataKey& k) {
  if (!valid_state(k.state) || k.version < 1)
    return fail(ErrorKind::Validation, "data key version must be >= 1 and state active|decrypt_only|retired");
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
        .bind(6, k.state)
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
    if (!st) return std::unexpected(st.error());
    st->bind(1, row->pk);
    R out;
    for (;;) {
      auto more = st->step();
      if (!more) return std::unexpected(more.error());
      if (!*more) break;
      DataKey k;
      k.tenant_id = tenant_id;
      k.dataset_id = dataset_id;
      k.version = st->int64(0);
      k.kek_id = st->text(1);
      k.kek_version = st->int64(2);
      k.wrapped = st->blob(3);
      k.state = st->text(4);
      k.created_at = st->int64(5);
      out.push_back(std::move(k));
    }
    return out;
  });
}

Status SqliteKeyStore::update_data_key(const DataKey& k) {
  if (!valid_state(k.state)) return fail(ErrorKind::Validation, "data key state must be active|decrypt_only|retired");
  return db_.write<void>([&](Connection& c) -> Status {
    auto row = sqlite::load_dataset(c, k.tenant_id, k.dataset_id);
    if (!row) return std::unexpected(row.error());
    auto st = c.prepare(
        "UPDATE data_keys SET kek_id=?, kek_version=?, wrapped=?, state=? WHERE dataset_pk=? AND version=?");
    if (!st) return std::unexpected(st.error());
    if (auto s = st->bind(1, k.kek_id)
                     .bind(2, k.kek_version)
                     .bind_blob(3, k.wrapped)
                     .bind(4, k.state)
                     .bind(5, row->pk)
                     .bind(6, k.version)
                     .run();
        !s)
      return s;
    if (c.changes() == 0)
      return fail(ErrorKind::ResourceNotFound, "no data key of this version", {{"version", k.version}});
    return {};
  });
}

}  // namespace vault::storage
