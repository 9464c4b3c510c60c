// SqliteKeyStore: named tenant keys (tables tenant_key_names and
// tenant_keys, migration 3).
#include "storage/sqlite_stores.hpp"
#include "storage/sqlite_rows.hpp"

namespace vault::storage {

using sqlite::Connection;

namespace {

constexpr const char* kConfigColumns =
    "tenant_id, name, type, min_decryption_version, deletion_allowed, created_at, updated_at";

TenantKeyConfig config_from(const sqlite::Stmt& s) {
  TenantKeyConfig c;
  c.tenant_id = s.text(0);
  c.name = s.text(1);
  c.type = s.text(2);
  c.min_decryption_version = s.int64(3);
  c.deletion_allowed = s.int64(4) != 0;
  c.created_at = s.int64(5);
  c.updated_at = s.int64(6);
  return c;
}

Result<bool> name_exists(Connection& c, const std::string& tenant_id, const std::string& name) {
  auto st = c.prepare("SELECT 1 FROM tenant_key_names WHERE tenant_id=? AND name=?");
  if (st) st->bind(1, tenant_id).bind(2, name);
  return sqlite::exists(st);
}

Error key_not_found(const std::string& name) {
  return Error(ErrorKind::ResourceNotFound, "key not found", {{"resource", "key"}, {"name", name}});
}

Status insert_version(Connection& c, const TenantKey& k) {
  auto dup = c.prepare("SELECT 1 FROM tenant_keys WHERE tenant_id=? AND name=? AND version=?");
  if (dup) dup->bind(1, k.tenant_id).bind(2, k.name).bind(3, k.version);
  auto has = sqlite::exists(dup);
  if (!has) return std::unexpected(has.error());
  if (*has) return fail(ErrorKind::Conflict, "the key already has this version", {{"version", k.version}});
  auto st = c.prepare(
      "INSERT INTO tenant_keys(tenant_id, name, version, wrapped, state, created_at) VALUES(?,?,?,?,?,?)");
  if (!st) return std::unexpected(st.error());
  return st->bind(1, k.tenant_id)
      .bind(2, k.name)
      .bind(3, k.version)
      .bind_blob(4, k.wrapped)
      .bind(5, tenant_key_state_name(k.state))
      .bind(6, k.created_at ? k.created_at : sqlite::now_micros())
      .run();
}

Status check_key(const TenantKey& k) {
  if (k.tenant_id.empty() || k.name.empty() || k.version < 1)
    return fail(ErrorKind::Validation, "a tenant key needs tenant_id, name and version >= 1");
  return {};
}

}  // namespace

Status SqliteKeyStore::create_tenant_key(const TenantKeyConfig& cfg, const TenantKey& first) {
  if (auto s = check_key(first); !s) return s;
  if (first.version != 1 || first.tenant_id != cfg.tenant_id || first.name != cfg.name)
    return fail(ErrorKind::Validation, "the first version of a key is version 1 of the same tenant and name");
  if (cfg.min_decryption_version < 1)
    return fail(ErrorKind::Validation, "min_decryption_version must be >= 1");
  return db_.write<void>([&](Connection& c) -> Status {
    auto has = name_exists(c, cfg.tenant_id, cfg.name);
    if (!has) return std::unexpected(has.error());
    if (*has) return fail(ErrorKind::Conflict, "a key with this name already exists", {{"name", cfg.name}});
    const Timestamp now = sqlite::now_micros();
    auto st = c.prepare(
        "INSERT INTO tenant_key_names(tenant_id, name, type, min_decryption_version, deletion_allowed, "
        "created_at, updated_at) VALUES(?,?,?,?,?,?,?)");
    if (!st) return std::unexpected(st.error());
    if (auto s = st->bind(1, cfg.tenant_id)
                     .bind(2, cfg.name)
                     .bind(3, cfg.type)
                     .bind(4, cfg.min_decryption_version)
                     .bind(5, cfg.deletion_allowed ? 1 : 0)
                     .bind(6, cfg.created_at ? cfg.created_at : now)
                     .bind(7, cfg.updated_at ? cfg.updated_at : now)
                     .run();
        !s)
      return s;
    return insert_version(c, first);
  });
}

Status SqliteKeyStore::put_tenant_key(const TenantKey& k) {
  if (auto s = check_key(k); !s) return s;
  return db_.write<void>([&](Connection& c) -> Status {
    auto has = name_exists(c, k.tenant_id, k.name);
    if (!has) return std::unexpected(has.error());
    if (!*has) return std::unexpected(key_not_found(k.name));
    return insert_version(c, k);
  });
}

Result<std::vector<TenantKey>> SqliteKeyStore::list_tenant_keys(const std::string& tenant_id,
                                                                const std::string& name) {
  using R = std::vector<TenantKey>;
  return db_.read<R>([&](Connection& c) -> Result<R> {
    auto st = c.prepare(
        "SELECT version, wrapped, state, created_at FROM tenant_keys WHERE tenant_id=? AND name=? "
        "ORDER BY version");
    if (st) st->bind(1, tenant_id).bind(2, name);
    return sqlite::collect(st, [&](const sqlite::Stmt& s) -> Result<TenantKey> {
      auto state = sqlite::enum_column(s, 2, parse_tenant_key_state, "tenant_keys.state");
      if (!state) return std::unexpected(state.error());
      TenantKey k;
      k.tenant_id = tenant_id;
      k.name = name;
      k.version = s.int64(0);
      k.wrapped = s.blob(1);
      k.state = *state;
      k.created_at = s.int64(3);
      return k;
    });
  });
}

Result<std::optional<TenantKeyConfig>> SqliteKeyStore::get_tenant_key_config(const std::string& tenant_id,
                                                                             const std::string& name) {
  using R = std::optional<TenantKeyConfig>;
  return db_.read<R>([&](Connection& c) -> Result<R> {
    static const std::string sql =
        std::string("SELECT ") + kConfigColumns + " FROM tenant_key_names WHERE tenant_id=? AND name=?";
    auto st = c.prepare(sql);
    if (st) st->bind(1, tenant_id).bind(2, name);
    auto found = sqlite::exists(st);
    if (!found) return std::unexpected(found.error());
    if (!*found) return R{};
    return R{config_from(*st)};
  });
}

Result<std::vector<TenantKeyConfig>> SqliteKeyStore::list_tenant_key_names(const std::string& tenant_id) {
  using R = std::vector<TenantKeyConfig>;
  return db_.read<R>([&](Connection& c) -> Result<R> {
    static const std::string sql =
        std::string("SELECT ") + kConfigColumns + " FROM tenant_key_names WHERE tenant_id=? ORDER BY name";
    auto st = c.prepare(sql);
    if (st) st->bind(1, tenant_id);
    return sqlite::collect(st, config_from);
  });
}

Status SqliteKeyStore::update_tenant_key_config(const TenantKeyConfig& cfg) {
  if (cfg.min_decryption_version < 1)
    return fail(ErrorKind::Validation, "min_decryption_version must be >= 1");
  return db_.write<void>([&](Connection& c) -> Status {
    auto st = c.prepare(
        "UPDATE tenant_key_names SET type=?, min_decryption_version=?, deletion_allowed=?, "
        "updated_at=max(updated_at, ?) WHERE tenant_id=? AND name=?");
    if (!st) return std::unexpected(st.error());
    if (auto s = st->bind(1, cfg.type)
                     .bind(2, cfg.min_decryption_version)
                     .bind(3, cfg.deletion_allowed ? 1 : 0)
                     .bind(4, sqlite::now_micros())
                     .bind(5, cfg.tenant_id)
                     .bind(6, cfg.name)
                     .run();
        !s)
      return s;
    if (c.changes() == 0) return std::unexpected(key_not_found(cfg.name));
    return {};
  });
}

Status SqliteKeyStore::update_tenant_key(const TenantKey& k) {
  if (auto s = check_key(k); !s) return s;
  return db_.write<void>([&](Connection& c) -> Status {
    auto st = c.prepare("UPDATE tenant_keys SET wrapped=?, state=? WHERE tenant_id=? AND name=? AND version=?");
    if (!st) return std::unexpected(st.error());
    if (auto s = st->bind_blob(1, k.wrapped)
                     .bind(2, tenant_key_state_name(k.state))
                     .bind(3, k.tenant_id)
                     .bind(4, k.name)
                     .bind(5, k.version)
                     .run();
        !s)
      return s;
    if (c.changes() == 0)
      return fail(ErrorKind::ResourceNotFound, "no key of this name and version",
                  {{"resource", "key"}, {"name", k.name}, {"version", k.version}});
    return {};
  });
}

Result<std::int64_t> SqliteKeyStore::delete_tenant_keys(const std::string& tenant_id,
                                                        const std::string& name) {
  return db_.write<std::int64_t>([&](Connection& c) -> Result<std::int64_t> {
    auto versions = c.prepare("DELETE FROM tenant_keys WHERE tenant_id=? AND name=?");
    if (!versions) return std::unexpected(versions.error());
    if (auto s = versions->bind(1, tenant_id).bind(2, name).run(); !s) return std::unexpected(s.error());
    const std::int64_t n = c.changes();
    auto names = c.prepare("DELETE FROM tenant_key_names WHERE tenant_id=? AND name=?");
    if (!names) return std::unexpected(names.error());
    if (auto s = names->bind(1, tenant_id).bind(2, name).run(); !s) return std::unexpected(s.error());
    return n;
  });
}

}  // namespace vault::storage
