// SqliteVersionStore: the versions table.
#include "storage/sqlite_rows.hpp"
#include "storage/sqlite_stores.hpp"

namespace vault::storage {

using sqlite::Connection;
using sqlite::exists;

Result<Version> SqliteVersionStore::create_version(const std::string& tenant_id, const Version& v) {
  return db_.write<Version>([&](Connection& c) -> Result<Version> {
    auto row = sqlite::load_dataset(c, tenant_id, v.dataset_id);
    if (!row) return std::unexpected(row.error());
    if (v.seq < 0 || v.seq > row->d.seq)
      return fail(ErrorKind::Validation, "the version's seq is outside the dataset's history",
                  {{"field", "seq"}});
    auto next = c.prepare("SELECT coalesce(max(number), 0) + 1 FROM versions WHERE dataset_pk=?");
    if (next) next->bind(1, row->pk);
    auto has = exists(next);
    if (!has) return std::unexpected(has.error());
    Version out = v;
    out.number = next->int64(0);
    if (out.created_at == 0) out.created_at = sqlite::now_micros();
    auto ins = c.prepare(
        "INSERT INTO versions(dataset_pk, number, seq, message, author_key_id, record_count, "
        "record_bytes, content_hash, created_at) VALUES(?,?,?,?,?,?,?,?,?)");
    if (!ins) return std::unexpected(ins.error());
    auto s = ins->bind(1, row->pk)
                 .bind(2, out.number)
                 .bind(3, out.seq)
                 .bind(4, out.message)
                 .bind(5, out.author_key_id)
                 .bind(6, out.record_count)
                 .bind(7, out.record_bytes)
                 .bind(8, out.content_hash)
                 .bind(9, out.created_at)
                 .run();
    if (!s) return std::unexpected(s.error());
    auto bump = c.prepare("UPDATE datasets SET version_count=version_count+1 WHERE pk=?");
    if (!bump) return std::unexpected(bump.error());
    if (auto b = bump->bind(1, row->pk).run(); !b) return std::unexpected(b.error());
    return out;
  });
}

Result<std::vector<Version>> SqliteVersionStore::list_versions(const std::string& tenant_id,
                                                               const std::string& dataset_id) {
  return db_.read<std::vector<Version>>([&](Connection& c) -> Result<std::vector<Version>> {
    auto row = sqlite::load_dataset(c, tenant_id, dataset_id);
    if (!row) return std::unexpected(row.error());
    static const std::string sql = std::string("SELECT ") + sqlite::kVersionColumns +
                                   " FROM versions WHERE dataset_pk=? ORDER BY number";
    auto st = c.prepare(sql);
    if (st) st->bind(1, row->pk);
    return sqlite::collect(st, [&](const sqlite::Stmt& s) { return sqlite::version_from(s, dataset_id); });
  });
}

Result<Version> SqliteVersionStore::get_version(const std::string& tenant_id, const std::string& dataset_id,
                                                std::int64_t number) {
  return db_.read<Version>([&](Connection& c) -> Result<Version> {
    auto row = sqlite::load_dataset(c, tenant_id, dataset_id);
    if (!row) return std::unexpected(row.error());
    static const std::string sql = std::string("SELECT ") + sqlite::kVersionColumns +
                                   " FROM versions WHERE dataset_pk=? AND number=?";
    auto st = c.prepare(sql);
    if (st) st->bind(1, row->pk).bind(2, number);
    auto found = exists(st);
    if (!found) return std::unexpected(found.error());
    if (!*found) return fail(ErrorKind::VersionNotFound, "version not found", {{"version", number}});
    return sqlite::version_from(*st, dataset_id);
  });
}

}  // namespace vault::storage
