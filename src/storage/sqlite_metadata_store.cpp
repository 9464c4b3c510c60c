#include "storage/sqlite_metadata_store.hpp"

#include "storage/sqlite_migrations.hpp"
#include "storage/sqlite_rows.hpp"
#include "vault/core/private_files.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <algorithm>
#include <variant>

namespace vault::storage {

using sqlite::Connection;
using sqlite::exists;

namespace {

constexpr std::size_t kMaxIdleReaders = 8;
constexpr std::size_t kMaxGroupJobs = 512;

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

Status check_status(const std::string& status) {
  if (status == "active" || status == "archived") return {};
  return fail(ErrorKind::Validation, "dataset status must be \"active\" or \"archived\"",
              {{"field", "status"}});
}

/// Conflict when another dataset (pk != self_pk) of the tenant has `name`.
Status check_name_free(Connection& c, const std::string& tenant_id, const std::string& name,
                       std::int64_t self_pk) {
  auto st = c.prepare("SELECT 1 FROM datasets WHERE tenant_id=? AND name=? AND pk<>?");
  if (!st) return std::unexpected(st.error());
  st->bind(1, tenant_id).bind(2, name).bind(3, self_pk);
  auto row = st->step();
  if (!row) return std::unexpected(row.error());
  if (*row)
    return fail(ErrorKind::Conflict, "a dataset with this name already exists", {{"field", "name"}});
  return {};
}

/// The database file is created 0600 before SQLite opens it (SQLite gives
/// its -wal and -shm files the database file's mode), and existing files
/// with group/other bits are tightened.
Status make_database_files_private(const std::string& path) {
  if (path.empty() || path == ":memory:" || path.starts_with("file:")) return {};
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0)
    return fail(ErrorKind::Database, "cannot create the database file " + path + ": " + std::strerror(errno));
  ::close(fd);
  for (const char* suffix : {"", "-wal", "-shm", "-journal"})
    if (auto t = tighten_path(path + suffix); !t) return fail(ErrorKind::Database, t.error().message());
  return {};
}

}  // namespace

Result<std::unique_ptr<SqliteMetadataStore>> SqliteMetadataStore::open(const std::string& path) {
  if (auto s = make_database_files_private(path); !s) return std::unexpected(s.error());
  auto conn = Connection::open(path, /*read_only=*/false);
  if (!conn) return std::unexpected(conn.error());
  auto version = sqlite::migrate(**conn);
  if (!version) return std::unexpected(version.error());
  auto writer = std::make_unique<sqlite::Writer>(std::move(*conn), kMaxGroupJobs);
  return std::unique_ptr<SqliteMetadataStore>(
      new SqliteMetadataStore(std::move(writer), path, *version));
}

SqliteMetadataStore::SqliteMetadataStore(std::unique_ptr<sqlite::Writer> writer, std::string path,
                                         int schema_version)
    : writer_(std::move(writer)), readers_(std::move(path), kMaxIdleReaders),
      schema_version_(schema_version) {}

SqliteMetadataStore::~SqliteMetadataStore() { close(); }

void SqliteMetadataStore::close() {
  closed_.store(true);
  writer_->stop();
  readers_.close();
}

Status SqliteMetadataStore::ping() {
  auto r = read<std::monostate>([](Connection& c) -> Result<std::monostate> {
    auto st = c.prepare("SELECT count(*) FROM schema_migrations");
    auto row = exists(st);
    if (!row) return std::unexpected(row.error());
    return std::monostate{};
  });
  if (!r) return std::unexpected(r.error());
  return {};
}

// ---- tenants and API keys

Status SqliteMetadataStore::create_tenant(const Tenant& t) {
  return write<void>([&](Connection& c) -> Status {
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

Result<Tenant> SqliteMetadataStore::get_tenant(const std::string& id) {
  return read<Tenant>([&](Connection& c) -> Result<Tenant> {
    auto st = c.prepare("SELECT id, name, status, created_at FROM tenants WHERE id=?");
    if (st) st->bind(1, id);
    auto found = exists(st);
    if (!found) return std::unexpected(found.error());
    if (!*found) return fail(ErrorKind::TenantNotFound, "tenant not found");
    return tenant_from(*st);
  });
}

Result<std::vector<Tenant>> SqliteMetadataStore::list_tenants() {
  return read<std::vector<Tenant>>([&](Connection& c) -> Result<std::vector<Tenant>> {
    auto st = c.prepare("SELECT id, name, status, created_at FROM tenants ORDER BY id");
    if (!st) return std::unexpected(st.error());
    std::vector<Tenant> out;
    for (;;) {
      auto row = st->step();
      if (!row) return std::unexpected(row.error());
      if (!*row) break;
      out.push_back(tenant_from(*st));
    }
    return out;
  });
}

Status SqliteMetadataStore::create_api_key(const ApiKey& k) {
  return write<void>([&](Connection& c) -> Status {
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

Result<ApiKey> SqliteMetadataStore::find_api_key_by_hash(const std::string& key_hash) {
  return read<ApiKey>([&](Connection& c) -> Result<ApiKey> {
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

Result<std::vector<ApiKey>> SqliteMetadataStore::list_api_keys(const std::string& tenant_id) {
  return read<std::vector<ApiKey>>([&](Connection& c) -> Result<std::vector<ApiKey>> {
    static const std::string sql = std::string("SELECT ") + kApiKeyColumns +
                                   " FROM api_keys WHERE tenant_id=? ORDER BY created_at, id";
    auto st = c.prepare(sql);
    if (!st) return std::unexpected(st.error());
    st->bind(1, tenant_id);
    std::vector<ApiKey> out;
    for (;;) {
      auto row = st->step();
      if (!row) return std::unexpected(row.error());
      if (!*row) break;
      out.push_back(api_key_from(*st));
    }
    return out;
  });
}

Status SqliteMetadataStore::revoke_api_key(const std::string& tenant_id, const std::string& key_id) {
  return write<void>([&](Connection& c) -> Status {
    auto st = c.prepare("UPDATE api_keys SET revoked=1 WHERE tenant_id=? AND id=?");
    if (!st) return std::unexpected(st.error());
    if (auto s = st->bind(1, tenant_id).bind(2, key_id).run(); !s) return s;
    if (c.changes() == 0) return fail(ErrorKind::ApiKeyNotFound, "API key not found");
    return {};
  });
}

Result<std::int64_t> SqliteMetadataStore::count_api_keys() {
  return read<std::int64_t>([&](Connection& c) -> Result<std::int64_t> {
    auto st = c.prepare("SELECT count(*) FROM api_keys");
    auto row = exists(st);
    if (!row) return std::unexpected(row.error());
    return st->int64(0);
  });
}

// ---- datasets

Result<Dataset> SqliteMetadataStore::create_dataset(const Dataset& d) {
  return write<Dataset>([&](Connection& c) -> Result<Dataset> {
    if (auto s = check_status(d.status); !s) return std::unexpected(s.error());
    auto same_id = c.prepare("SELECT 1 FROM datasets WHERE tenant_id=? AND id=?");
    if (same_id) same_id->bind(1, d.tenant_id).bind(2, d.id);
    auto found = exists(same_id);
    if (!found) return std::unexpected(found.error());
    if (*found) return fail(ErrorKind::Conflict, "a dataset with this id already exists", {{"field", "id"}});
    if (auto s = check_name_free(c, d.tenant_id, d.name, -1); !s) return std::unexpected(s.error());
    const Timestamp now = sqlite::now_micros();
    auto ins = c.prepare(
        "INSERT INTO datasets(id, tenant_id, name, description, tags, schema_json, status, etag, seq, "
        "record_count, record_bytes, version_count, created_at, updated_at, pii_policy) "
        "VALUES(?,?,?,?,?,?,?,1,0,0,0,0,?,?,?)");
    if (!ins) return std::unexpected(ins.error());
    const std::string tags = sqlite::encode_tags(d.tags);
    auto s = ins->bind(1, d.id)
                 .bind(2, d.tenant_id)
                 .bind(3, d.name)
                 .bind(4, d.description)
                 .bind(5, tags)
                 .bind(6, d.schema_json)
                 .bind(7, d.status)
                 .bind(8, d.created_at ? d.created_at : now)
                 .bind(9, d.updated_at ? d.updated_at : now)
                 .bind(10, d.pii_policy)
                 .run();
    if (!s) return std::unexpected(s.error());
    auto row = sqlite::load_dataset(c, d.tenant_id, d.id);
    if (!row) return std::unexpected(row.error());
    return std::move(row->d);
  });
}

Result<Dataset> SqliteMetadataStore::get_dataset(const std::string& tenant_id, const std::string& id) {
  return read<Dataset>([&](Connection& c) -> Result<Dataset> {
    auto row = sqlite::load_dataset(c, tenant_id, id);
    if (!row) return std::unexpected(row.error());
    return std::move(row->d);
  });
}

Result<std::vector<Dataset>> SqliteMetadataStore::list_datasets(const std::string& tenant_id,
                                                                const DatasetFilter& f) {
  if (f.limit <= 0) return fail(ErrorKind::Validation, "limit must be positive", {{"field", "limit"}});
  std::string sql = std::string("SELECT ") + sqlite::kDatasetColumns + " FROM datasets WHERE tenant_id=?1";
  if (f.tag) sql += " AND EXISTS(SELECT 1 FROM json_each(datasets.tags) WHERE value=?2)";
  if (f.status) sql += " AND status=?3";
  if (f.name_prefix) sql += " AND substr(name, 1, length(?4))=?4";
  if (f.after_id) sql += " AND id>?5";
  sql += " ORDER BY id LIMIT ?6";
  return read<std::vector<Dataset>>([&](Connection& c) -> Result<std::vector<Dataset>> {
    auto st = c.prepare(sql);
    if (!st) return std::unexpected(st.error());
    st->bind(1, tenant_id);
    if (f.tag) st->bind(2, *f.tag);
    if (f.status) st->bind(3, *f.status);
    if (f.name_prefix) st->bind(4, *f.name_prefix);
    if (f.after_id) st->bind(5, *f.after_id);
    st->bind(6, f.limit);
    std::vector<Dataset> out;
    for (;;) {
      auto row = st->step();
      if (!row) return std::unexpected(row.error());
      if (!*row) break;
      out.push_back(sqlite::dataset_from(*st));
    }
    return out;
  });
}

Result<Dataset> SqliteMetadataStore::update_dataset(const std::string& tenant_id, const std::string& id,
                                                    const DatasetPatch& patch,
                                                    std::optional<std::int64_t> expected_etag) {
  return write<Dataset>([&](Connection& c) -> Result<Dataset> {
    auto row = sqlite::load_dataset(c, tenant_id, id);
    if (!row) return std::unexpected(row.error());
    Dataset& d = row->d;
    if (expected_etag && *expected_etag != d.etag)
      return fail(ErrorKind::ConcurrentModification, "the dataset was modified concurrently",
                  {{"expected_etag", *expected_etag}, {"actual_etag", d.etag}});
    if (patch.status) {
      if (auto s = check_status(*patch.status); !s) return std::unexpected(s.error());
      d.status = *patch.status;
    }
    if (patch.name && *patch.name != d.name) {
      if (auto s = check_name_free(c, tenant_id, *patch.name, row->pk); !s)
        return std::unexpected(s.error());
      d.name = *patch.name;
    }
    if (patch.description) d.description = *patch.description;
    if (patch.tags) d.tags = *patch.tags;
    if (patch.schema_json) d.schema_json = *patch.schema_json;
    if (patch.pii_policy) d.pii_policy = *patch.pii_policy;
    auto st = c.prepare(
        "UPDATE datasets SET name=?, description=?, tags=?, schema_json=?, status=?, "
        "etag=etag+1, updated_at=?, pii_policy=? WHERE pk=?");
    if (!st) return std::unexpected(st.error());
    const std::string tags = sqlite::encode_tags(d.tags);
    auto s = st->bind(1, d.name)
                 .bind(2, d.description)
                 .bind(3, tags)
                 .bind(4, d.schema_json)
                 .bind(5, d.status)
                 .bind(6, std::max(sqlite::now_micros(), d.updated_at))
                 .bind(7, d.pii_policy)
                 .bind(8, row->pk)
                 .run();
    if (!s) return std::unexpected(s.error());
    auto fresh = sqlite::load_dataset(c, tenant_id, id);
    if (!fresh) return std::unexpected(fresh.error());
    return std::move(fresh->d);
  });
}

Status SqliteMetadataStore::delete_dataset(const std::string& tenant_id, const std::string& id) {
  return write<void>([&](Connection& c) -> Status {
    auto row = sqlite::load_dataset(c, tenant_id, id);
    if (!row) return std::unexpected(row.error());
    auto st = c.prepare("DELETE FROM datasets WHERE pk=?");
    if (!st) return std::unexpected(st.error());
    return st->bind(1, row->pk).run();  // records and versions go by ON DELETE CASCADE
  });
}

// ---- versions

Result<Version> SqliteMetadataStore::create_version(const std::string& tenant_id, const Version& v) {
  return write<Version>([&](Connection& c) -> Result<Version> {
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

Result<std::vector<Version>> SqliteMetadataStore::list_versions(const std::string& tenant_id,
                                                                const std::string& dataset_id) {
  return read<std::vector<Version>>([&](Connection& c) -> Result<std::vector<Version>> {
    auto row = sqlite::load_dataset(c, tenant_id, dataset_id);
    if (!row) return std::unexpected(row.error());
    static const std::string sql = std::string("SELECT ") + sqlite::kVersionColumns +
                                   " FROM versions WHERE dataset_pk=? ORDER BY number";
    auto st = c.prepare(sql);
    if (!st) return std::unexpected(st.error());
    st->bind(1, row->pk);
    std::vector<Version> out;
    for (;;) {
      auto r = st->step();
      if (!r) return std::unexpected(r.error());
      if (!*r) break;
      out.push_back(sqlite::version_from(*st, dataset_id));
    }
    return out;
  });
}

Result<Version> SqliteMetadataStore::get_version(const std::string& tenant_id,
                                                 const std::string& dataset_id, std::int64_t number) {
  return read<Version>([&](Connection& c) -> Result<Version> {
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

// ---- idempotency

Result<IdempotencyEntry> SqliteMetadataStore::put_idempotency(const IdempotencyEntry& e) {
  return write<IdempotencyEntry>([&](Connection& c) -> Result<IdempotencyEntry> {
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

Result<std::optional<IdempotencyEntry>> SqliteMetadataStore::get_idempotency(const std::string& tenant_id,
                                                                             const std::string& key) {
  using R = std::optional<IdempotencyEntry>;
  return read<R>([&](Connection& c) -> Result<R> {
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

Result<std::int64_t> SqliteMetadataStore::purge_idempotency(Timestamp before) {
  return write<std::int64_t>([&](Connection& c) -> Result<std::int64_t> {
    auto st = c.prepare("DELETE FROM idempotency WHERE created_at < ?");
    if (!st) return std::unexpected(st.error());
    if (auto s = st->bind(1, before).run(); !s) return std::unexpected(s.error());
    return c.changes();
  });
}

}  // namespace vault::storage
