#include "storage/pg_migrations.hpp"

#include "vault/core/ids.hpp"

#include <span>

namespace vault::storage::pg {
namespace {

struct Migration {
  int version;
  const char* sql;
};

// Append only: never edit a step that has shipped. Step 1 is the SQLite
// schema at its version 6 in PostgreSQL types: BIGINT integers, BYTEA for
// bytes, BOOLEAN flags, text[] for tags and permissions, and COLLATE "C" on
// every text column so that ordering and comparison are by bytes, as in
// SQLite, whatever the database's default collation.
constexpr Migration kMigrations[] = {
    {1, R"sql(
CREATE TABLE tenants(
  id TEXT COLLATE "C" PRIMARY KEY,
  name TEXT COLLATE "C" NOT NULL UNIQUE,
  status TEXT COLLATE "C" NOT NULL,
  created_at BIGINT NOT NULL);

CREATE TABLE api_keys(
  id TEXT COLLATE "C" PRIMARY KEY,
  tenant_id TEXT COLLATE "C" NOT NULL,
  name TEXT COLLATE "C" NOT NULL,
  role INTEGER NOT NULL,
  key_hash TEXT COLLATE "C" NOT NULL UNIQUE,
  prefix TEXT COLLATE "C" NOT NULL,
  created_at BIGINT NOT NULL,
  revoked BOOLEAN NOT NULL DEFAULT false,
  permissions TEXT[] COLLATE "C" NOT NULL DEFAULT '{}');
CREATE INDEX api_keys_by_tenant ON api_keys(tenant_id, created_at, id);

CREATE TABLE datasets(
  pk BIGSERIAL PRIMARY KEY,
  id TEXT COLLATE "C" NOT NULL,
  tenant_id TEXT COLLATE "C" NOT NULL,
  name TEXT COLLATE "C" NOT NULL,
  description TEXT COLLATE "C" NOT NULL,
  tags TEXT[] COLLATE "C" NOT NULL,
  schema_json TEXT COLLATE "C" NOT NULL,
  status TEXT COLLATE "C" NOT NULL,
  etag BIGINT NOT NULL,
  seq BIGINT NOT NULL,
  record_count BIGINT NOT NULL,
  record_bytes BIGINT NOT NULL,
  version_count BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  pii_policy TEXT COLLATE "C" NOT NULL DEFAULT '',
  UNIQUE(tenant_id, id),
  UNIQUE(tenant_id, name));

-- One row per revision, live in [seq, superseded_seq); superseded_seq is
-- INT64_MAX while the revision is current. seq is unique per dataset (every
-- write takes the next one and inserts at most one row).
CREATE TABLE records(
  dataset_pk BIGINT NOT NULL REFERENCES datasets(pk) ON DELETE CASCADE,
  record_id TEXT COLLATE "C" NOT NULL,
  seq BIGINT NOT NULL,
  superseded_seq BIGINT NOT NULL,
  created_seq BIGINT NOT NULL,
  revision BIGINT NOT NULL,
  payload BYTEA NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  quarantined BOOLEAN NOT NULL DEFAULT false,
  findings TEXT COLLATE "C" NOT NULL DEFAULT '',
  PRIMARY KEY(dataset_pk, seq));
-- Payloads are sealed (incompressible): store them out of line uncompressed.
ALTER TABLE records ALTER COLUMN payload SET STORAGE EXTERNAL;
CREATE UNIQUE INDEX records_by_id ON records(dataset_pk, record_id, superseded_seq);
CREATE INDEX records_by_created ON records(dataset_pk, created_seq, superseded_seq, seq);

CREATE TABLE versions(
  dataset_pk BIGINT NOT NULL REFERENCES datasets(pk) ON DELETE CASCADE,
  number BIGINT NOT NULL,
  seq BIGINT NOT NULL,
  message TEXT COLLATE "C" NOT NULL,
  author_key_id TEXT COLLATE "C" NOT NULL,
  record_count BIGINT NOT NULL,
  record_bytes BIGINT NOT NULL,
  content_hash TEXT COLLATE "C" NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY(dataset_pk, number));

CREATE TABLE idempotency(
  tenant_id TEXT COLLATE "C" NOT NULL,
  key TEXT COLLATE "C" NOT NULL,
  request_hash TEXT COLLATE "C" NOT NULL,
  status INTEGER NOT NULL,
  headers_json TEXT COLLATE "C" NOT NULL,
  body BYTEA NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY(tenant_id, key));
CREATE INDEX idempotency_by_created ON idempotency(created_at);

-- Wrapped data keys; they go with their dataset (crypto-shredding).
CREATE TABLE data_keys(
  dataset_pk BIGINT NOT NULL REFERENCES datasets(pk) ON DELETE CASCADE,
  version BIGINT NOT NULL,
  kek_id TEXT COLLATE "C" NOT NULL,
  kek_version BIGINT NOT NULL,
  wrapped BYTEA NOT NULL,
  state TEXT COLLATE "C" NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY(dataset_pk, version));

CREATE TABLE tenant_key_names(
  tenant_id TEXT COLLATE "C" NOT NULL,
  name TEXT COLLATE "C" NOT NULL,
  type TEXT COLLATE "C" NOT NULL,
  min_decryption_version BIGINT NOT NULL,
  deletion_allowed BOOLEAN NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  PRIMARY KEY(tenant_id, name));
CREATE TABLE tenant_keys(
  tenant_id TEXT COLLATE "C" NOT NULL,
  name TEXT COLLATE "C" NOT NULL,
  version BIGINT NOT NULL,
  wrapped BYTEA NOT NULL,
  state TEXT COLLATE "C" NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY(tenant_id, name, version));

-- Key rotation jobs; at most one running per tenant.
CREATE TABLE key_jobs(
  id TEXT COLLATE "C" PRIMARY KEY,
  tenant_id TEXT COLLATE "C" NOT NULL,
  type TEXT COLLATE "C" NOT NULL,
  dataset_id TEXT COLLATE "C" NOT NULL,
  state TEXT COLLATE "C" NOT NULL,
  total BIGINT NOT NULL,
  done BIGINT NOT NULL,
  from_version BIGINT NOT NULL,
  to_version BIGINT NOT NULL,
  cursor TEXT COLLATE "C" NOT NULL,
  error TEXT COLLATE "C" NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL);
CREATE INDEX key_jobs_by_tenant ON key_jobs(tenant_id, created_at);
CREATE UNIQUE INDEX key_jobs_one_running ON key_jobs(tenant_id) WHERE state='running';

CREATE TABLE pii_tokens(
  tenant_id TEXT COLLATE "C" NOT NULL,
  token TEXT COLLATE "C" NOT NULL,
  value_hash TEXT COLLATE "C" NOT NULL,
  entity TEXT COLLATE "C" NOT NULL,
  sealed BYTEA NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY(tenant_id, token));
CREATE UNIQUE INDEX pii_tokens_by_value ON pii_tokens(tenant_id, value_hash);
)sql"},
};

// Any fixed number: the key of the advisory lock migrations hold.
constexpr const char* kLockSql = "SELECT pg_advisory_xact_lock(7310582299416173)";

Result<int> current_version(Connection& c) {
  auto r = c.query("SELECT coalesce(max(version), 0)::int8 FROM schema_migrations");
  if (!r) return std::unexpected(r.error());
  return static_cast<int>(r->int64(0, 0));
}

Result<int> migrate_locked(Connection& c) {
  if (auto s = c.exec(kLockSql); !s) return std::unexpected(s.error());
  if (auto s = c.exec("CREATE TABLE IF NOT EXISTS schema_migrations("
                      "version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)");
      !s)
    return std::unexpected(s.error());
  auto have = current_version(c);
  if (!have) return have;
  if (*have > latest_schema_version())
    return fail(ErrorKind::Configuration, "the database schema version " + std::to_string(*have) +
                                              " is newer than this binary supports (" +
                                              std::to_string(latest_schema_version()) + ")");
  for (const Migration& m : kMigrations) {
    auto applied = c.query("SELECT 1 FROM schema_migrations WHERE version = $1::int8",
                           Params().int8(m.version));
    if (!applied) return std::unexpected(applied.error());
    if (!applied->empty()) continue;
    if (auto s = c.exec(m.sql); !s) return std::unexpected(s.error());
    auto ins = c.query("INSERT INTO schema_migrations(version, applied_at) VALUES($1::int8, $2)",
                       Params().int8(m.version).int8(now_micros()));
    if (!ins) return std::unexpected(ins.error());
  }
  return current_version(c);
}

}  // namespace

int latest_schema_version() { return std::span(kMigrations).back().version; }

Result<int> migrate(Connection& c) {
  if (auto s = c.exec("BEGIN"); !s) return std::unexpected(s.error());
  auto v = migrate_locked(c);
  if (!v) {
    (void)c.exec("ROLLBACK");
    return v;
  }
  if (auto s = c.exec("COMMIT"); !s) return std::unexpected(s.error());
  return v;
}

}  // namespace vault::storage::pg
