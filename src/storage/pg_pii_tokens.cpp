// PgTokenStore: the PII token vault (table pii_tokens).
#include "storage/pg_rows.hpp"
#include "storage/pg_stores.hpp"

namespace vault::storage {

using pg::Connection;
using pg::Params;

namespace {

constexpr const char* kTokenColumns = "tenant_id, token, value_hash, entity, sealed, created_at";

PiiToken token_from(const pg::Rows& r, int i) {
  PiiToken t;
  t.tenant_id = r.text(i, 0);
  t.token = r.text(i, 1);
  t.value_hash = r.text(i, 2);
  t.entity = r.text(i, 3);
  t.sealed = r.bytes(i, 4);
  t.created_at = r.int64(i, 5);
  return t;
}

Result<std::optional<PiiToken>> find_by_hash(Connection& c, const std::string& tenant_id,
                                             const std::string& value_hash) {
  static const std::string sql =
      std::string("SELECT ") + kTokenColumns + " FROM pii_tokens WHERE tenant_id=$1 AND value_hash=$2";
  auto r = c.query(sql, Params().text(tenant_id).text(value_hash));
  if (!r) return std::unexpected(r.error());
  if (r->empty()) return std::optional<PiiToken>{};
  return std::optional<PiiToken>{token_from(*r, 0)};
}

}  // namespace

Result<PiiToken> PgTokenStore::put_pii_token(const PiiToken& t) {
  if (t.tenant_id.empty() || t.token.empty() || t.value_hash.empty())
    return fail(ErrorKind::Validation, "a PII token needs tenant_id, token and value_hash");
  PiiToken stored = t;
  if (!stored.created_at) stored.created_at = pg::now_micros();
  return db_.write<PiiToken>([&](Connection& c) -> Result<PiiToken> {
    auto existing = find_by_hash(c, t.tenant_id, t.value_hash);
    if (!existing) return std::unexpected(existing.error());
    if (*existing) return std::move(**existing);
    auto dup = c.query("SELECT 1 FROM pii_tokens WHERE tenant_id=$1 AND token=$2", Params().text(t.tenant_id).text(t.token));
    if (!dup) return std::unexpected(dup.error());
    if (!dup->empty()) return fail(ErrorKind::Conflict, "the token already exists");
    // Another replica may insert the same value between the check and here:
    // then its token is the one kept (ON CONFLICT on the value) and returned.
    auto ins = c.query(
        "INSERT INTO pii_tokens(tenant_id, token, value_hash, entity, sealed, created_at) VALUES($1,$2,$3,$4,$5,$6) "
        "ON CONFLICT (tenant_id, value_hash) DO NOTHING",
        Params()
            .text(stored.tenant_id)
            .text(stored.token)
            .text(stored.value_hash)
            .text(stored.entity)
            .bytea(stored.sealed)
            .int8(stored.created_at));
    if (!ins) return std::unexpected(ins.error());
    if (ins->affected() == 1) return stored;
    auto winner = find_by_hash(c, t.tenant_id, t.value_hash);
    if (!winner) return std::unexpected(winner.error());
    if (!*winner) return fail(ErrorKind::Database, "postgresql: PII token vanished");
    return std::move(**winner);
  });
}

Result<std::optional<PiiToken>> PgTokenStore::find_pii_token(const std::string& tenant_id,
                                                             const std::string& value_hash) {
  using R = std::optional<PiiToken>;
  return db_.read<R>([&](Connection& c) -> Result<R> { return find_by_hash(c, tenant_id, value_hash); });
}

Result<PiiToken> PgTokenStore::get_pii_token(const std::string& tenant_id, const std::string& token) {
  return db_.read<PiiToken>([&](Connection& c) -> Result<PiiToken> {
    static const std::string sql = std::string("SELECT ") + kTokenColumns + " FROM pii_tokens WHERE tenant_id=$1 AND token=$2";
    auto r = c.query(sql, Params().text(tenant_id).text(token));
    if (!r) return std::unexpected(r.error());
    if (r->empty()) return fail(ErrorKind::ResourceNotFound, "token not found");
    return token_from(*r, 0);
  });
}

}  // namespace vault::storage
