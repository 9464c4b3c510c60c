// PgKeyStore: wrapped data keys (table data_keys).
#include "storage/data_key_rewraps.hpp"
#include "storage/pg_rows.hpp"
#include "storage/pg_stores.hpp"

namespace vault::storage {

using pg::Connection;
using pg::Params;

Status PgKeyStore::put_data_key(const DataKey& k) {
  if (k.version < 1) return fail(ErrorKind::Validation, "data key version must be >= 1");
  return db_.write<void>(PgDatabase::dataset_partition(k.tenant_id, k.dataset_id), [&](Connection& c) -> Status {
    auto row = pg::load_dataset(c, k.tenant_id, k.dataset_id, /*for_update=*/true);
    if (!row) return std::unexpected(row.error());
    auto dup = c.query("SELECT 1 FROM data_keys WHERE dataset_pk=$1 AND version=$2",
                       Params().int8(row->pk).int8(k.version));
    if (!dup) return std::unexpected(dup.error());
    if (!dup->empty())
      return fail(ErrorKind::Conflict, "the dataset already has a data key of this version", {{"version", k.version}});
    auto ins = c.query(
        "INSERT INTO data_keys(dataset_pk, version, kek_id, kek_version, wrapped, state, created_at) "
        "VALUES($1,$2,$3,$4,$5,$6,$7)",
        Params()
            .int8(row->pk)
            .int8(k.version)
            .text(k.kek_id)
            .int8(k.kek_version)
            .bytea(k.wrapped)
            .text(data_key_state_name(k.state))
            .int8(k.created_at ? k.created_at : pg::now_micros()));
    if (!ins) return std::unexpected(ins.error());
    return {};
  });
}

Result<std::vector<DataKey>> PgKeyStore::list_data_keys(const std::string& tenant_id, const std::string& dataset_id) {
  using R = std::vector<DataKey>;
  return db_.read<R>([&](Connection& c) -> Result<R> {
    auto row = pg::load_dataset(c, tenant_id, dataset_id);
    if (!row) return std::unexpected(row.error());
    auto rows = c.query(
        "SELECT version, kek_id, kek_version, wrapped, state, created_at FROM data_keys "
        "WHERE dataset_pk=$1 ORDER BY version",
        Params().int8(row->pk));
    return pg::collect(rows, [&](const pg::Rows& r, int i) -> Result<DataKey> {
      auto state = pg::enum_column(r, i, 4, parse_data_key_state, "data_keys.state");
      if (!state) return std::unexpected(state.error());
      DataKey k;
      k.tenant_id = tenant_id;
      k.dataset_id = dataset_id;
      k.version = r.int64(i, 0);
      k.kek_id = r.text(i, 1);
      k.kek_version = r.int64(i, 2);
      k.wrapped = r.bytes(i, 3);
      k.state = *state;
      k.created_at = r.int64(i, 5);
      return k;
    });
  });
}

namespace {

/// The rewrap UPDATE of one key of the dataset `dataset_pk`; rows changed (0 or 1).
Result<std::int64_t> update_wrapped(Connection& c, std::int64_t dataset_pk, const DataKey& k) {
  auto r = c.query(
      "UPDATE data_keys SET kek_id=$1, kek_version=$2, wrapped=$3, state=$4 WHERE dataset_pk=$5 AND version=$6",
      Params()
          .text(k.kek_id)
          .int8(k.kek_version)
          .bytea(k.wrapped)
          .text(data_key_state_name(k.state))
          .int8(dataset_pk)
          .int8(k.version));
  if (!r) return std::unexpected(r.error());
  return r->affected();
}

}  // namespace

Status PgKeyStore::update_data_key(const DataKey& k) {
  return db_.write<void>(PgDatabase::dataset_partition(k.tenant_id, k.dataset_id), [&](Connection& c) -> Status {
    auto row = pg::load_dataset(c, k.tenant_id, k.dataset_id);
    if (!row) return std::unexpected(row.error());
    auto n = update_wrapped(c, row->pk, k);
    if (!n) return std::unexpected(n.error());
    if (*n == 0) return fail(ErrorKind::ResourceNotFound, "no data key of this version", {{"version", k.version}});
    return {};
  });
}

Result<std::int64_t> PgKeyStore::update_data_keys(const std::vector<DataKey>& keys) {
  if (keys.empty()) return 0;
  // Data keys are not touched by record writes, so one partition serves keys
  // of several datasets without waiting on their row locks.
  return db_.write<std::int64_t>(
      PgDatabase::dataset_partition(keys.front().tenant_id, keys.front().dataset_id),
      [&](Connection& c) -> Result<std::int64_t> {
        return update_data_keys_by_dataset(
            keys,
            [&](const std::string& tenant, const std::string& dataset) -> Result<std::int64_t> {
              auto row = pg::load_dataset(c, tenant, dataset);
              if (!row) return std::unexpected(row.error());
              return row->pk;
            },
            [&](std::int64_t pk, const DataKey& k) { return update_wrapped(c, pk, k); });
      });
}

}  // namespace vault::storage
