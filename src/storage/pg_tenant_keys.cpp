// PgKeyStore: named tenant keys (tables tenant_key_names and tenant_keys).
#include "storage/pg_rows.hpp"
#include "storage/pg_stores.hpp"

namespace vault::storage {

using pg::Connection;
using pg::Params;

namespace {

constexpr const char* kConfigColumns =
    "tenant_id, name, type, min_decryption_version, deletion_allowed, created_at, updated_at";

TenantKeyConfig config_from(const pg::Rows& r, int i) {
  TenantKeyConfig c;
  c.tenant_id = r.text(i, 0);
  c.name = r.text(i, 1);
  c.type = r.text(i, 2);
  c.min_decryption_version = r.int64(i, 3);
  c.deletion_allowed = r.boolean(i, 4);
  c.created_at = r.int64(i, 5);
  c.updated_at = r.int64(i, 6);
  return c;
}

/// Whether the name exists; with `lock` its row stays locked (new versions
/// of one key are then added one at a time).
Result<bool> name_exists(Connection& c, const std::string& tenant_id, const std::string& name, bool lock) {
  auto r = c.query(lock ? "SELECT 1 FROM tenant_key_names WHERE tenant_id=$1 AND name=$2 FOR UPDATE"
                        : "SELECT 1 FROM tenant_key_names WHERE tenant_id=$1 AND name=$2",
                   Params().text(tenant_id).text(name));
  if (!r) return std::unexpected(r.error());
  return !r->empty();
}

Error key_not_found(const std::string& name) {
  return Error(ErrorKind::ResourceNotFound, "key not found", {{"resource", "key"}, {"name", name}});
}

Status insert_version(Connection& c, const TenantKey& k) {
  auto dup = c.query("SELECT 1 FROM tenant_keys WHERE tenant_id=$1 AND name=$2 AND version=$3",
                     Params().text(k.tenant_id).text(k.name).int8(k.version));
  if (!dup) return std::unexpected(dup.error());
  if (!dup->empty()) return fail(ErrorKind::Conflict, "the key already has this version", {{"version", k.version}});
  auto ins = c.query(
      "INSERT INTO tenant_keys(tenant_id, name, version, wrapped, state, created_at) VALUES($1,$2,$3,$4,$5,$6)",
      Params()
          .text(k.tenant_id)
          .text(k.name)
          .int8(k.version)
          .bytea(k.wrapped)
          .text(tenant_key_state_name(k.state))
          .int8(k.created_at ? k.created_at : pg::now_micros()));
  if (!ins) return std::unexpected(ins.error());
  return {};
}

Status check_key(const TenantKey& k) {
  if (k.tenant_id.empty() || k.name.empty() || k.version < 1)
    return fail(ErrorKind::Validation, "a tenant key needs tenant_id, name and version >= 1");
  return {};
}

}  // namespace

Status PgKeyStore::create_tenant_key(const TenantKeyConfig& cfg, const TenantKey& first) {
  if (auto s = check_key(first); !s) return s;
  if (first.version != 1 || first.tenant_id != cfg.tenant_id || first.name != cfg.name)
    return fail(ErrorKind::Validation, "the first version of a key is version 1 of the same tenant and name");
  if (cfg.min_decryption_version < 1) return fail(ErrorKind::Validation, "min_decryption_version must be >= 1");
  return db_.write<void>([&](Connection& c) -> Status {
    auto has = name_exists(c, cfg.tenant_id, cfg.name, false);
    if (!has) return std::unexpected(has.error());
    if (*has) return fail(ErrorKind::Conflict, "a key with this name already exists", {{"name", cfg.name}});
    const Timestamp now = pg::now_micros();
    auto ins = c.query(
        "INSERT INTO tenant_key_names(tenant_id, name, type, min_decryption_version, deletion_allowed, "
        "created_at, updated_at) VALUES($1,$2,$3,$4,$5,$6,$7)",
        Params()
            .text(cfg.tenant_id)
            .text(cfg.name)
            .text(cfg.type)
            .int8(cfg.min_decryption_version)
            .boolean(cfg.deletion_allowed)
            .int8(cfg.created_at ? cfg.created_at : now)
            .int8(cfg.updated_at ? cfg.updated_at : now));
    if (!ins) return std::unexpected(ins.error());
    return insert_version(c, first);
  });
}

Status PgKeyStore::put_tenant_key(const TenantKey& k) {
  if (auto s = check_key(k); !s) return s;
  return db_.write<void>([&](Connection& c) -> Status {
    auto has = name_exists(c, k.tenant_id, k.name, true);
    if (!has) return std::unexpected(has.error());
    if (!*has) return std::unexpected(key_not_found(k.name));
    return insert_version(c, k);
  });
}

Result<std::vector<TenantKey>> PgKeyStore::list_tenant_keys(const std::string& tenant_id, const std::string& name) {
  using R = std::vector<TenantKey>;
  return db_.read<R>([&](Connection& c) -> Result<R> {
    auto rows = c.query(
        "SELECT version, wrapped, state, created_at FROM tenant_keys WHERE tenant_id=$1 AND name=$2 ORDER BY version",
        Params().text(tenant_id).text(name));
    return pg::collect(rows, [&](const pg::Rows& r, int i) -> Result<TenantKey> {
      auto state = pg::enum_column(r, i, 2, parse_tenant_key_state, "tenant_keys.state");
      if (!state) return std::unexpected(state.error());
      TenantKey k;
      k.tenant_id = tenant_id;
      k.name = name;
      k.version = r.int64(i, 0);
      k.wrapped = r.bytes(i, 1);
      k.state = *state;
      k.created_at = r.int64(i, 3);
      return k;
    });
  });
}

Result<std::optional<TenantKeyConfig>> PgKeyStore::get_tenant_key_config(const std::string& tenant_id,
                                                                         const std::string& name) {
  using R = std::optional<TenantKeyConfig>;
  return db_.read<R>([&](Connection& c) -> Result<R> {
    static const std::string sql =
        std::string("SELECT ") + kConfigColumns + " FROM tenant_key_names WHERE tenant_id=$1 AND name=$2";
    auto r = c.query(sql, Params().text(tenant_id).text(name));
    if (!r) return std::unexpected(r.error());
    if (r->empty()) return R{};
    return R{config_from(*r, 0)};
  });
}

Result<std::vector<TenantKeyConfig>> PgKeyStore::list_tenant_key_names(const std::string& tenant_id) {
  using R = std::vector<TenantKeyConfig>;
  return db_.read<R>([&](Connection& c) -> Result<R> {
    static const std::string sql =
        std::string("SELECT ") + kConfigColumns + " FROM tenant_key_names WHERE tenant_id=$1 ORDER BY name";
    return pg::collect(c.query(sql, Params().text(tenant_id)), config_from);
  });
}

Status PgKeyStore::update_tenant_key_config(const TenantKeyConfig& cfg) {
  if (cfg.min_decryption_version < 1) return fail(ErrorKind::Validation, "min_decryption_version must be >= 1");
  return db_.write<void>([&](Connection& c) -> Status {
    auto r = c.query(
        "UPDATE tenant_key_names SET type=$1, min_decryption_version=$2, deletion_allowed=$3, "
        "updated_at=greatest(updated_at, $4) WHERE tenant_id=$5 AND name=$6",
        Params()
            .text(cfg.type)
            .int8(cfg.min_decryption_version)
            .boolean(cfg.deletion_allowed)
            .int8(pg::now_micros())
            .text(cfg.tenant_id)
            .text(cfg.name));
    if (!r) return std::unexpected(r.error());
    if (r->affected() == 0) return std::unexpected(key_not_found(cfg.name));
    return {};
  });
}

Status PgKeyStore::update_tenant_key(const TenantKey& k) {
  if (auto s = check_key(k); !s) return s;
  return db_.write<void>([&](Connection& c) -> Status {
    auto r = c.query("UPDATE tenant_keys SET wrapped=$1, state=$2 WHERE tenant_id=$3 AND name=$4 AND version=$5",
                     Params()
                         .bytea(k.wrapped)
                         .text(tenant_key_state_name(k.state))
                         .text(k.tenant_id)
                         .text(k.name)
                         .int8(k.version));
    if (!r) return std::unexpected(r.error());
    if (r->affected() == 0)
      return fail(ErrorKind::ResourceNotFound, "no key of this name and version",
                  {{"resource", "key"}, {"name", k.name}, {"version", k.version}});
    return {};
  });
}

Result<std::int64_t> PgKeyStore::delete_tenant_keys(const std::string& tenant_id, const std::string& name) {
  return db_.write<std::int64_t>([&](Connection& c) -> Result<std::int64_t> {
    auto versions =
        c.query("DELETE FROM tenant_keys WHERE tenant_id=$1 AND name=$2", Params().text(tenant_id).text(name));
    if (!versions) return std::unexpected(versions.error());
    auto names =
        c.query("DELETE FROM tenant_key_names WHERE tenant_id=$1 AND name=$2", Params().text(tenant_id).text(name));
    if (!names) return std::unexpected(names.error());
    return versions->affected();
  });
}

}  // namespace vault::storage
