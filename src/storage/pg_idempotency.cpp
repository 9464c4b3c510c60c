// PgIdempotencyStore: the idempotency table.
#include "storage/pg_rows.hpp"
#include "storage/pg_stores.hpp"

namespace vault::storage {

using pg::Connection;
using pg::Params;

namespace {

constexpr const char* kColumns = "tenant_id, key, request_hash, status, headers_json, body, created_at";

IdempotencyEntry idempotency_from(const pg::Rows& r, int i) {
  IdempotencyEntry e;
  e.tenant_id = r.text(i, 0);
  e.key = r.text(i, 1);
  e.request_hash = r.text(i, 2);
  e.status = static_cast<int>(r.int64(i, 3));
  e.headers_json = r.text(i, 4);
  e.body = r.bytes(i, 5);
  e.created_at = r.int64(i, 6);
  return e;
}

}  // namespace

Result<IdempotencyEntry> PgIdempotencyStore::put_idempotency(const IdempotencyEntry& e) {
  return db_.write<IdempotencyEntry>([&](Connection& c) -> Result<IdempotencyEntry> {
    // Insert or keep the first entry of the key, then read what is stored (in
    // READ COMMITTED the SELECT sees a concurrent winner's committed row).
    auto ins = c.query(
        "INSERT INTO idempotency(tenant_id, key, request_hash, status, headers_json, body, created_at) "
        "VALUES($1,$2,$3,$4,$5,$6,$7) ON CONFLICT (tenant_id, key) DO NOTHING",
        Params()
            .text(e.tenant_id)
            .text(e.key)
            .text(e.request_hash)
            .int8(e.status)
            .text(e.headers_json)
            .bytea(e.body)
            .int8(e.created_at ? e.created_at : pg::now_micros()));
    if (!ins) return std::unexpected(ins.error());
    static const std::string sql = std::string("SELECT ") + kColumns + " FROM idempotency WHERE tenant_id=$1 AND key=$2";
    auto r = c.query(sql, Params().text(e.tenant_id).text(e.key));
    if (!r) return std::unexpected(r.error());
    if (r->empty()) return fail(ErrorKind::Database, "postgresql: idempotency entry vanished");
    return idempotency_from(*r, 0);
  });
}

Result<std::optional<IdempotencyEntry>> PgIdempotencyStore::get_idempotency(const std::string& tenant_id,
                                                                            const std::string& key) {
  using R = std::optional<IdempotencyEntry>;
  return db_.read<R>([&](Connection& c) -> Result<R> {
    static const std::string sql = std::string("SELECT ") + kColumns + " FROM idempotency WHERE tenant_id=$1 AND key=$2";
    auto r = c.query(sql, Params().text(tenant_id).text(key));
    if (!r) return std::unexpected(r.error());
    if (r->empty()) return R{};
    return R{idempotency_from(*r, 0)};
  });
}

Result<std::int64_t> PgIdempotencyStore::purge_idempotency(Timestamp before) {
  return db_.write<std::int64_t>([&](Connection& c) -> Result<std::int64_t> {
    auto r = c.query("DELETE FROM idempotency WHERE created_at < $1", Params().int8(before));
    if (!r) return std::unexpected(r.error());
    return r->affected();
  });
}

}  // namespace vault::storage
