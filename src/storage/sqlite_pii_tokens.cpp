// SqliteTokenStore: the PII token vault (table pii_tokens, migration 5).
#include "storage/sqlite_stores.hpp"
#include "storage/sqlite_rows.hpp"

namespace vault::storage {

using sqlite::Connection;

namespace {

constexpr const char* kTokenColumns = "tenant_id, token, value_hash, entity, sealed, created_at";

PiiToken token_from(const sqlite::Stmt& s) {
  PiiToken t;
  t.tenant_id = s.text(0);
  t.token = s.text(1);
  t.value_hash = s.text(2);
  t.entity = s.text(3);
  t.sealed = s.blob(4);
  t.created_at = s.int64(5);
  return t;
}

Result<std::optional<PiiToken>> find_by_hash(Connection& c, const std::string& tenant_id,
                                             const std::string& value_hash) {
  static const std::string sql =
      std::string("SELECT ") + kTokenColumns + " FROM pii_tokens WHERE tenant_id=? AND value_hash=?";
  auto st = c.prepare(sql);
  if (st) st->bind(1, tenant_id).bind(2, value_hash);
  auto found = sqlite::exists(st);
  if (!found) return std::unexpected(found.error());
  if (!*found) return std::optional<PiiToken>{};
  return std::optional<PiiToken>{token_from(*st)};
}

}  // namespace

Result<PiiToken> SqliteTokenStore::put_pii_token(const PiiToken& t) {
  if (t.tenant_id.empty() || t.token.empty() || t.value_hash.empty())
    return fail(ErrorKind::Validation, "a PII token needs tenant_id, token and value_hash");
  return db_.write<PiiToken>([&](Connection& c) -> Result<PiiToken> {
    auto existing = find_by_hash(c, t.tenant_id, t.value_hash);
    if (!existing) return std::unexpected(existing.error());
    if (*existing) return std::move(**existing);
    auto dup = c.prepare("SELECT 1 FROM pii_tokens WHERE tenant_id=? AND token=?");
    if (dup) dup->bind(1, t.tenant_id).bind(2, t.token);
    auto has = sqlite::exists(dup);
    if (!has) return std::unexpected(has.error());
    if (*has) return fail(ErrorKind::Conflict, "the token already exists");
    auto st = c.prepare(
        "INSERT INTO pii_tokens(tenant_id, token, value_hash, entity, sealed, created_at) "
        "VALUES(?,?,?,?,?,?)");
    if (!st) return std::unexpected(st.error());
    PiiToken stored = t;
    if (!stored.created_at) stored.created_at = sqlite::now_micros();
    auto s = st->bind(1, stored.tenant_id)
                 .bind(2, stored.token)
                 .bind(3, stored.value_hash)
                 .bind(4, stored.entity)
                 .bind_blob(5, stored.sealed)
                 .bind(6, stored.created_at)
                 .run();
    if (!s) return std::unexpected(s.error());
    return stored;
  });
}

Result<std::optional<PiiToken>> SqliteTokenStore::find_pii_token(const std::string& tenant_id,
                                                                 const std::string& value_hash) {
  using R = std::optional<PiiToken>;
  return db_.read<R>([&](Connection& c) -> Result<R> { return find_by_hash(c, tenant_id, value_hash); });
}

Result<PiiToken> SqliteTokenStore::get_pii_token(const std::string& tenant_id, const std::string& token) {
  return db_.read<PiiToken>([&](Connection& c) -> Result<PiiToken> {
    static const std::string sql =
        std::string("SELECT ") + kTokenColumns + " FROM pii_tokens WHERE tenant_id=? AND token=?";
    auto st = c.prepare(sql);
    if (st) st->bind(1, tenant_id).bind(2, token);
    auto found = sqlite::exists(st);
    if (!found) return std::unexpected(found.error());
    if (!*found) return fail(ErrorKind::ResourceNotFound, "token not found");
    return token_from(*st);
  });
}

}  // namespace vault::storage
