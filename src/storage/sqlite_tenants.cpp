// SqliteTenantStore: tenants and API keys; delete_tenant spans every aggregate.
#include "storage/sqlite_rows.hpp"
#include "storage/sqlite_stores.hpp"

namespace vault::storage {

using sqlite::Connection;
using sqlite::exists;

namespace {

Tenant tenant_from(const sqlite::Stmt& s) {
  return Tenant{s.text(0), s.text(1), s.text(2), s.int64(3)};
}

ApiKey api_key_from(const sqlite::Stmt& s) {
  ApiKey k;
  k.id = s.text(0);
  k.tenant_id = s.text(1);
  k.name = s.text(2);
  k.role = static_cast<Role>(s.int64(3));
  k.key_hash = s.text(4);
  k.prefix = s.text(5);
  k.created_at = s.int64(6);
  k.revoked = s.int64(7) != 0;
  k.permissions = sqlite::decode_tags(s.text(8));
  return k;
}
constexpr const char* kApiKeyColumns =
    "id, tenant_id, name, role, key_hash, prefix, created_at, revoked, permissions";

Status delete_where(Connection& c, const char* sql, const std::string& tenant_id) {
  auto st = c.prepare(sql);
  if (!st) return std::unexpected(st.error());
  return st->bind(1, tenant_id).run();
}

}  // namespace

Status SqliteTenantStore::create_tenant(const Tenant& t) {
  return db_.write<void>([&](Connection& c) -> Status {
    auto st = c.prepare("SELECT 1 FROM tenants WHERE id=? OR name=?");
    if (st) st->bind(1, t.id).bind(2, t.name);
    auto found = exists(st);
    if (!found) return std::unexpected(found.error());
    if (*found) return fail(ErrorKind::Conflict, "a tenant with this id or name already exists");
    auto ins = c.prepare("INSERT INTO tenants(id, name, status, created_at) VALUES(?,?,?,?)");
    if (!ins) return std::unexpected(ins.error());
    return ins->bind(1, t.id).bind(2, t.name).bind(3, t.status).bind(4, t.created_at).run();
  });
}

Result<Tenant> SqliteTenantStore::get_tenant(const std::string& id) {
  return db_.read<Tenant>([&](Connection& c) -> Result<Tenant> {
    auto st = c.prepare("SELECT id, name, status, created_at FROM tenants WHERE id=?");
    if (st) st->bind(1, id);
    auto found = exists(st);
    if (!found) return std::unexpected(found.error());
    if (!*found) return fail(ErrorKind::TenantNotFound, "tenant not found");
    return tenant_from(*st);
  });
}

Result<std::vector<Tenant>> SqliteTenantStore::list_tenants() {
  return db_.read<std::vector<Tenant>>([&](Connection& c) -> Result<std::vector<Tenant>> {
    auto st = c.prepare("SELECT id, name, status, created_at FROM tenants ORDER BY id");
    return sqlite::collect(st, tenant_from);
  });
}

Status SqliteTenantStore::create_api_key(const ApiKey& k) {
  return db_.write<void>([&](Connection& c) -> Status {
    auto st = c.prepare("SELECT 1 FROM api_keys WHERE id=? OR key_hash=?");
    if (st) st->bind(1, k.id).bind(2, k.key_hash);
    auto found = exists(st);
    if (!found) return std::unexpected(found.error());
    if (*found) return fail(ErrorKind::Conflict, "an API key with this id or hash already exists");
    auto ins = c.prepare(
        "INSERT INTO api_keys(id, tenant_id, name, role, key_hash, prefix, created_at, revoked, "
        "permissions) VALUES(?,?,?,?,?,?,?,?,?)");
    if (!ins) return std::unexpected(ins.error());
    const std::string permissions = sqlite::encode_tags(k.permissions);
    return ins->bind(1, k.id)
        .bind(2, k.tenant_id)
        .bind(3, k.name)
        .bind(4, static_cast<int>(k.role))
        .bind(5, k.key_hash)
        .bind(6, k.prefix)
        .bind(7, k.created_at)
        .bind(8, k.revoked ? 1 : 0)
        .bind(9, permissions)
        .run();
  });
}

Result<ApiKey> SqliteTenantStore::find_api_key_by_hash(const std::string& key_hash) {
  return db_.read<ApiKey>([&](Connection& c) -> Result<ApiKey> {
    static const std::string sql =
        std::string("SELECT ") + kApiKeyColumns + " FROM api_keys WHERE key_hash=?";
    auto st = c.prepare(sql);
    if (st) st->bind(1, key_hash);
    auto found = exists(st);
    if (!found) return std::unexpected(found.error());
    if (!*found) return fail(ErrorKind::ApiKeyNotFound, "API key not found");
    return api_key_from(*st);
  });
}

Result<std::vector<ApiKey>> SqliteTenantStore::list_api_keys(const std::string& tenant_id) {
  return db_.read<std::vector<ApiKey>>([&](Connection& c) -> Result<std::vector<ApiKey>> {
    static const std::string sql = std::string("SELECT ") + kApiKeyColumns +
                                   " FROM api_keys WHERE tenant_id=? ORDER BY created_at, id";
    auto st = c.prepare(sql);
    if (st) st->bind(1, tenant_id);
    return sqlite::collect(st, api_key_from);
  });
}

Status SqliteTenantStore::revoke_api_key(const std::string& tenant_id, const std::string& key_id) {
  return db_.write<void>([&](Connection& c) -> Status {
    auto st = c.prepare("UPDATE api_keys SET revoked=1 WHERE tenant_id=? AND id=?");
    if (!st) return std::unexpected(st.error());
    if (auto s = st->bind(1, tenant_id).bind(2, key_id).run(); !s) return s;
    if (c.changes() == 0) return fail(ErrorKind::ApiKeyNotFound, "API key not found");
    return {};
  });
}

Result<std::int64_t> SqliteTenantStore::count_api_keys() {
  return db_.read<std::int64_t>([&](Connection& c) -> Result<std::int64_t> {
    auto st = c.prepare("SELECT count(*) FROM api_keys");
    auto row = exists(st);
    if (!row) return std::unexpected(row.error());
    return st->int64(0);
  });
}

Status SqliteTenantStore::delete_tenant(const std::string& tenant_id) {
  return db_.write<void>([&](Connection& c) -> Status {
    auto st = c.prepare("SELECT 1 FROM tenants WHERE id=?");
    if (st) st->bind(1, tenant_id);
    auto found = sqlite::exists(st);
    if (!found) return std::unexpected(found.error());
    if (!*found) return fail(ErrorKind::TenantNotFound, "tenant not found");
    st->reset();
    // Datasets take their records, versions and data keys (ON DELETE CASCADE).
    for (const char* sql : {"DELETE FROM datasets WHERE tenant_id=?", "DELETE FROM api_keys WHERE tenant_id=?",
                            "DELETE FROM idempotency WHERE tenant_id=?", "DELETE FROM pii_tokens WHERE tenant_id=?",
                            "DELETE FROM tenant_keys WHERE tenant_id=?",
                            "DELETE FROM tenant_key_names WHERE tenant_id=?",
                            "DELETE FROM key_jobs WHERE tenant_id=?", "DELETE FROM tenants WHERE id=?"})
      if (auto s = delete_where(c, sql, tenant_id); !s) return s;
    return {};
  });
}

}  // namespace vault::storage
