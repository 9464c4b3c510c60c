// PgVersionStore: the versions table.
#include "storage/pg_rows.hpp"
#include "storage/pg_stores.hpp"

namespace vault::storage {

using pg::Connection;
using pg::Params;

Result<Version> PgVersionStore::create_version(const std::string& tenant_id, const Version& v) {
  return db_.write<Version>(PgDatabase::dataset_partition(tenant_id, v.dataset_id), [&](Connection& c) -> Result<Version> {
    // The dataset row lock orders version numbers and writes of the dataset.
    auto row = pg::load_dataset(c, tenant_id, v.dataset_id, /*for_update=*/true);
    if (!row) return std::unexpected(row.error());
    if (v.seq < 0 || v.seq > row->d.seq)
      return fail(ErrorKind::Validation, "the version's seq is outside the dataset's history", {{"field", "seq"}});
    auto next = c.query("SELECT coalesce(max(number), 0) + 1 FROM versions WHERE dataset_pk=$1", Params().int8(row->pk));
    if (!next) return std::unexpected(next.error());
    Version out = v;
    out.number = next->int64(0, 0);
    if (out.created_at == 0) out.created_at = pg::now_micros();
    auto ins = c.query(
        "INSERT INTO versions(dataset_pk, number, seq, message, author_key_id, record_count, record_bytes, "
        "content_hash, created_at) VALUES($1,$2,$3,$4,$5,$6,$7,$8,$9)",
        Params()
            .int8(row->pk)
            .int8(out.number)
            .int8(out.seq)
            .text(out.message)
            .text(out.author_key_id)
            .int8(out.record_count)
            .int8(out.record_bytes)
            .text(out.content_hash)
            .int8(out.created_at));
    if (!ins) return std::unexpected(ins.error());
    auto bump = c.query("UPDATE datasets SET version_count=version_count+1 WHERE pk=$1", Params().int8(row->pk));
    if (!bump) return std::unexpected(bump.error());
    return out;
  });
}

Result<std::vector<Version>> PgVersionStore::list_versions(const std::string& tenant_id,
                                                           const std::string& dataset_id) {
  return db_.read<std::vector<Version>>([&](Connection& c) -> Result<std::vector<Version>> {
    auto row = pg::load_dataset(c, tenant_id, dataset_id);
    if (!row) return std::unexpected(row.error());
    static const std::string sql =
        std::string("SELECT ") + pg::kVersionColumns + " FROM versions WHERE dataset_pk=$1 ORDER BY number";
    return pg::collect(c.query(sql, Params().int8(row->pk)),
                       [&](const pg::Rows& r, int i) { return pg::version_from(r, i, dataset_id); });
  });
}

Result<Version> PgVersionStore::get_version(const std::string& tenant_id, const std::string& dataset_id,
                                            std::int64_t number) {
  return db_.read<Version>([&](Connection& c) -> Result<Version> {
    auto row = pg::load_dataset(c, tenant_id, dataset_id);
    if (!row) return std::unexpected(row.error());
    static const std::string sql =
        std::string("SELECT ") + pg::kVersionColumns + " FROM versions WHERE dataset_pk=$1 AND number=$2";
    auto r = c.query(sql, Params().int8(row->pk).int8(number));
    if (!r) return std::unexpected(r.error());
    if (r->empty()) return fail(ErrorKind::VersionNotFound, "version not found", {{"version", number}});
    return pg::version_from(*r, 0, dataset_id);
  });
}

}  // namespace vault::storage
