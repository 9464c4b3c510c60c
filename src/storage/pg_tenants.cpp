// PgTenantStore: tenants and API keys; delete_tenant spans every aggregate.
#include "storage/pg_rows.hpp"
#include "storage/pg_stores.hpp"

namespace vault::storage {

using pg::Connection;
using pg::Params;
using pg::Rows;

namespace {

Tenant tenant_from(const Rows& r, int i) { return Tenant{r.text(i, 0), r.text(i, 1), r.text(i, 2), r.int64(i, 3)}; }

constexpr const char* kApiKeyColumns =
    "id, tenant_id, name, role, key_hash, prefix, created_at, revoked, permissions";

ApiKey api_key_from(const Rows& r, int i) {
  ApiKey k;
  k.id = r.text(i, 0);
  k.tenant_id = r.text(i, 1);
  k.name = r.text(i, 2);
  k.role = static_cast<Role>(r.int64(i, 3));
  k.key_hash = r.text(i, 4);
  k.prefix = r.text(i, 5);
  k.created_at = r.int64(i, 6);
  k.revoked = r.boolean(i, 7);
  k.permissions = r.text_array(i, 8);
  return k;
}

}  // namespace

Status PgTenantStore::create_tenant(const Tenant& t) {
  return db_.write<void>([&](Connection& c) -> Status {
    auto found = c.query("SELECT 1 FROM tenants WHERE id=$1 OR name=$2", Params().text(t.id).text(t.name));
    if (!found) return std::unexpected(found.error());
    if (!found->empty()) return fail(ErrorKind::Conflict, "a tenant with this id or name already exists");
    auto ins = c.query("INSERT INTO tenants(id, name, status, created_at) VALUES($1,$2,$3,$4)",
                       Params().text(t.id).text(t.name).text(t.status).int8(t.created_at));
    if (!ins) return std::unexpected(ins.error());
    return {};
  });
}

Result<Tenant> PgTenantStore::get_tenant(const std::string& id) {
  return db_.read<Tenant>([&](Connection& c) -> Result<Tenant> {
    auto r = c.query("SELECT id, name, status, created_at FROM tenants WHERE id=$1", Params().text(id));
    if (!r) return std::unexpected(r.error());
    if (r->empty()) return fail(ErrorKind::TenantNotFound, "tenant not found");
    return tenant_from(*r, 0);
  });
}

Result<std::vector<Tenant>> PgTenantStore::list_tenants() {
  return db_.read<std::vector<Tenant>>([&](Connection& c) -> Result<std::vector<Tenant>> {
    return pg::collect(c.query("SELECT id, name, status, created_at FROM tenants ORDER BY id"), tenant_from);
  });
}

Status PgTenantStore::create_api_key(const ApiKey& k) {
  return db_.write<void>([&](Connection& c) -> Status {
    auto found =
        c.query("SELECT 1 FROM api_keys WHERE id=$1 OR key_hash=$2", Params().text(k.id).text(k.key_hash));
    if (!found) return std::unexpected(found.error());
    if (!found->empty()) return fail(ErrorKind::Conflict, "an API key with this id or hash already exists");
    auto ins = c.query(
        "INSERT INTO api_keys(id, tenant_id, name, role, key_hash, prefix, created_at, revoked, permissions) "
        "VALUES($1,$2,$3,$4::int8,$5,$6,$7,$8,$9)",
        Params()
            .text(k.id)
            .text(k.tenant_id)
            .text(k.name)
            .int8(static_cast<int>(k.role))
            .text(k.key_hash)
            .text(k.prefix)
            .int8(k.created_at)
            .boolean(k.revoked)
            .text_array(k.permissions));
    if (!ins) return std::unexpected(ins.error());
    return {};
  });
}

Result<ApiKey> PgTenantStore::find_api_key_by_hash(const std::string& key_hash) {
  return db_.read<ApiKey>([&](Connection& c) -> Result<ApiKey> {
    static const std::string sql = std::string("SELECT ") + kApiKeyColumns + " FROM api_keys WHERE key_hash=$1";
    auto r = c.query(sql, Params().text(key_hash));
    if (!r) return std::unexpected(r.error());
    if (r->empty()) return fail(ErrorKind::ApiKeyNotFound, "API key not found");
    return api_key_from(*r, 0);
  });
}

Result<std::vector<ApiKey>> PgTenantStore::list_api_keys(const std::string& tenant_id) {
  return db_.read<std::vector<ApiKey>>([&](Connection& c) -> Result<std::vector<ApiKey>> {
    static const std::string sql =
        std::string("SELECT ") + kApiKeyColumns + " FROM api_keys WHERE tenant_id=$1 ORDER BY created_at, id";
    return pg::collect(c.query(sql, Params().text(tenant_id)), api_key_from);
  });
}

Status PgTenantStore::revoke_api_key(const std::string& tenant_id, const std::string& key_id) {
  return db_.write<void>([&](Connection& c) -> Status {
    auto r = c.query("UPDATE api_keys SET revoked=true WHERE tenant_id=$1 AND id=$2",
                     Params().text(tenant_id).text(key_id));
    if (!r) return std::unexpected(r.error());
    if (r->affected() == 0) return fail(ErrorKind::ApiKeyNotFound, "API key not found");
    return {};
  });
}

Result<std::int64_t> PgTenantStore::count_api_keys() {
  return db_.read<std::int64_t>([&](Connection& c) -> Result<std::int64_t> {
    auto r = c.query("SELECT count(*) FROM api_keys");
    if (!r) return std::unexpected(r.error());
    return r->int64(0, 0);
  });
}

Status PgTenantStore::delete_tenant(const std::string& tenant_id) {
  return db_.write<void>([&](Connection& c) -> Status {
    auto found = c.query("SELECT 1 FROM tenants WHERE id=$1 FOR UPDATE", Params().text(tenant_id));
    if (!found) return std::unexpected(found.error());
    if (found->empty()) return fail(ErrorKind::TenantNotFound, "tenant not found");
    // Datasets take their records, versions and data keys (ON DELETE CASCADE).
    for (const char* sql : {"DELETE FROM datasets WHERE tenant_id=$1", "DELETE FROM api_keys WHERE tenant_id=$1",
                            "DELETE FROM idempotency WHERE tenant_id=$1", "DELETE FROM pii_tokens WHERE tenant_id=$1",
                            "DELETE FROM tenant_keys WHERE tenant_id=$1",
                            "DELETE FROM tenant_key_names WHERE tenant_id=$1",
                            "DELETE FROM key_jobs WHERE tenant_id=$1", "DELETE FROM tenants WHERE id=$1"})
      if (auto r = c.query(sql, Params().text(tenant_id)); !r) return std::unexpected(r.error());
    return {};
  });
}

}  // namespace vault::storage
