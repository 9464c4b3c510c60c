// SqliteIdempotencyStore: the idempotency table.
#include "storage/sqlite_rows.hpp"
#include "storage/sqlite_stores.hpp"

namespace vault::storage {

using sqlite::Connection;
using sqlite::exists;

namespace {

IdempotencyEntry idempotency_from(const sqlite::Stmt& s) {
  IdempotencyEntry e;
  e.tenant_id = s.text(0);
  e.key = s.text(1);
  e.request_hash = s.text(2);
  e.status = static_cast<int>(s.int64(3));
  e.headers_json = s.text(4);
  e.body = s.blob(5);
  e.created_at = s.int64(6);
  return e;
}

}  // namespace

Result<IdempotencyEntry> SqliteIdempotencyStore::put_idempotency(const IdempotencyEntry& e) {
  return db_.write<IdempotencyEntry>([&](Connection& c) -> Result<IdempotencyEntry> {
    auto ins = c.prepare(
        "INSERT INTO idempotency(tenant_id, key, request_hash, status, headers_json, body, created_at) "
        "VALUES(?,?,?,?,?,?,?) ON CONFLICT(tenant_id, key) DO NOTHING");
    if (!ins) return std::unexpected(ins.error());
    auto s = ins->bind(1, e.tenant_id)
                 .bind(2, e.key)
                 .bind(3, e.request_hash)
                 .bind(4, e.status)
                 .bind(5, e.headers_json)
                 .bind_blob(6, e.body)
                 .bind(7, e.created_at ? e.created_at : sqlite::now_micros())
                 .run();
    if (!s) return std::unexpected(s.error());
    auto st = c.prepare(
        "SELECT tenant_id, key, request_hash, status, headers_json, body, created_at "
        "FROM idempotency WHERE tenant_id=? AND key=?");
    if (st) st->bind(1, e.tenant_id).bind(2, e.key);
    auto found = exists(st);
    if (!found) return std::unexpected(found.error());
    if (!*found) return fail(ErrorKind::Database, "sqlite: idempotency entry vanished");
    return idempotency_from(*st);
  });
}

Result<std::optional<IdempotencyEntry>> SqliteIdempotencyStore::get_idempotency(const std::string& tenant_id,
                                                                                const std::string& key) {
  using R = std::optional<IdempotencyEntry>;
  return db_.read<R>([&](Connection& c) -> Result<R> {
    auto st = c.prepare(
        "SELECT tenant_id, key, request_hash, status, headers_json, body, created_at "
        "FROM idempotency WHERE tenant_id=? AND key=?");
    if (st) st->bind(1, tenant_id).bind(2, key);
    auto found = exists(st);
    if (!found) return std::unexpected(found.error());
    if (!*found) return R{};
    return R{idempotency_from(*st)};
  });
}

Result<std::int64_t> SqliteIdempotencyStore::purge_idempotency(Timestamp before) {
  return db_.write<std::int64_t>([&](Connection& c) -> Result<std::int64_t> {
    auto st = c.prepare("DELETE FROM idempotency WHERE created_at < ?");
    if (!st) return std::unexpected(st.error());
    if (auto s = st->bind(1, before).run(); !s) return std::unexpected(s.error());
    return c.changes();
  });
}

}  // namespace vault::storage
