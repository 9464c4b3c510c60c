#include "storage/sqlite_migrations.hpp"

#include <chrono>
#include <span>

namespace vault::storage::sqlite {
namespace {

struct Migration {
  int version;
  const char* sql;
};

// Append only: never edit a step that has shipped.
constexpr Migration kMigrations[] = {
    {1, R"sql(
CREATE TABLE tenants(
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  status TEXT NOT NULL,
  created_at INTEGER NOT NULL);

CREATE TABLE api_keys(
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL,
  name TEXT NOT NULL,
  role INTEGER NOT NULL,
  key_hash TEXT NOT NULL UNIQUE,
  prefix TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  revoked INTEGER NOT NULL DEFAULT 0);
CREATE INDEX api_keys_by_tenant ON api_keys(tenant_id, created_at, id);

-- tags: each tag followed by char(31), so a tag filter is one instr().
CREATE TABLE datasets(
  pk INTEGER PRIMARY KEY,
  id TEXT NOT NULL,
  tenant_id TEXT NOT NULL,
  name TEXT NOT NULL,
  description TEXT NOT NULL,
  tags TEXT NOT NULL,
  schema_json TEXT NOT NULL,
  status TEXT NOT NULL,
  etag INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  record_count INTEGER NOT NULL,
  record_bytes INTEGER NOT NULL,
  version_count INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  UNIQUE(tenant_id, id),
  UNIQUE(tenant_id, name));

-- One row per revision, live in [seq, superseded_seq); superseded_seq is
-- INT64_MAX while the revision is current.
CREATE TABLE records(
  dataset_pk INTEGER NOT NULL REFERENCES datasets(pk) ON DELETE CASCADE,
  record_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  superseded_seq INTEGER NOT NULL,
  created_seq INTEGER NOT NULL,
  revision INTEGER NOT NULL,
  payload BLOB NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL);
-- By id: the current revision is the one with superseded_seq = INT64_MAX
-- (unique), an as-of lookup is the first with superseded_seq > S.
CREATE UNIQUE INDEX records_by_id ON records(dataset_pk, record_id, superseded_seq);
-- Listing/export in created_seq order, now or as of S, filtered in the index.
CREATE INDEX records_by_created ON records(dataset_pk, created_seq, superseded_seq, seq);

CREATE TABLE versions(
  dataset_pk INTEGER NOT NULL REFERENCES datasets(pk) ON DELETE CASCADE,
  number INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  message TEXT NOT NULL,
  author_key_id TEXT NOT NULL,
  record_count INTEGER NOT NULL,
  record_bytes INTEGER NOT NULL,
  content_hash TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY(dataset_pk, number));

CREATE TABLE idempotency(
  tenant_id TEXT NOT NULL,
  key TEXT NOT NULL,
  request_hash TEXT NOT NULL,
  status INTEGER NOT NULL,
  headers_json TEXT NOT NULL,
  body BLOB NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY(tenant_id, key));
CREATE INDEX idempotency_by_created ON idempotency(created_at);
)sql"},
    {2, R"sql(
-- Wrapped data keys; they go with their dataset (crypto-shredding).
CREATE TABLE data_keys(
  dataset_pk INTEGER NOT NULL REFERENCES datasets(pk) ON DELETE CASCADE,
  version INTEGER NOT NULL,
  kek_id TEXT NOT NULL,
  kek_version INTEGER NOT NULL,
  wrapped BLOB NOT NULL,
  state TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY(dataset_pk, version));
)sql"},
    {3, R"sql(
-- Named tenant keys (transit keys; reserved names starting with '_' for
-- internal keys such as anonymization): per-name settings and the versions,
-- each 32 bytes of key material stored only wrapped by the tenant KEK.
CREATE TABLE tenant_key_names(
  tenant_id TEXT NOT NULL,
  name TEXT NOT NULL,
  type TEXT NOT NULL,
  min_decryption_version INTEGER NOT NULL,
  deletion_allowed INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY(tenant_id, name));
CREATE TABLE tenant_keys(
  tenant_id TEXT NOT NULL,
  name TEXT NOT NULL,
  version INTEGER NOT NULL,
  wrapped BLOB NOT NULL,
  state TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY(tenant_id, name, version));
)sql"},
    {4, R"sql(
-- Key rotation jobs (KEK per tenant, DEK per dataset); progress is persisted
-- so a restart resumes a running job. At most one running job per tenant.
CREATE TABLE key_jobs(
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL,
  type TEXT NOT NULL,
  dataset_id TEXT NOT NULL,
  state TEXT NOT NULL,
  total INTEGER NOT NULL,
  done INTEGER NOT NULL,
  from_version INTEGER NOT NULL,
  to_version INTEGER NOT NULL,
  cursor TEXT NOT NULL,
  error TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL);
CREATE INDEX key_jobs_by_tenant ON key_jobs(tenant_id, created_at);
CREATE UNIQUE INDEX key_jobs_one_running ON key_jobs(tenant_id) WHERE state='running';
-- Every revision of a dataset in seq order (DEK rotation re-encrypts them all).
CREATE INDEX records_by_seq ON records(dataset_pk, seq);
)sql"},
    {5, R"sql(
-- PII: the dataset policy, per-revision quarantine state and findings
-- summary, per-key extra permissions, and the token vault.
ALTER TABLE datasets ADD COLUMN pii_policy TEXT NOT NULL DEFAULT '';
ALTER TABLE records ADD COLUMN quarantined INTEGER NOT NULL DEFAULT 0;
ALTER TABLE records ADD COLUMN findings TEXT NOT NULL DEFAULT '';
ALTER TABLE api_keys ADD COLUMN permissions TEXT NOT NULL DEFAULT '';
CREATE TABLE pii_tokens(
  tenant_id TEXT NOT NULL,
  token TEXT NOT NULL,
  value_hash TEXT NOT NULL,
  entity TEXT NOT NULL,
  sealed BLOB NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY(tenant_id, token));
CREATE UNIQUE INDEX pii_tokens_by_value ON pii_tokens(tenant_id, value_hash);
)sql"},
    {6, R"sql(
-- Tags and key permissions become JSON arrays of strings: the old encoding
-- ended each item with char(31), so a tag holding char(31) was split in two.
UPDATE datasets SET tags = (
  WITH RECURSIVE split(rest, item, n) AS (
    SELECT datasets.tags, NULL, 0
    UNION ALL
    SELECT substr(rest, instr(rest, char(31)) + 1), substr(rest, 1, instr(rest, char(31)) - 1), n + 1
    FROM split WHERE instr(rest, char(31)) > 0)
  SELECT json_group_array(item) FROM (SELECT item FROM split WHERE n > 0 ORDER BY n));
UPDATE api_keys SET permissions = (
  WITH RECURSIVE split(rest, item, n) AS (
    SELECT api_keys.permissions, NULL, 0
    UNION ALL
    SELECT substr(rest, instr(rest, char(31)) + 1), substr(rest, 1, instr(rest, char(31)) - 1), n + 1
    FROM split WHERE instr(rest, char(31)) > 0)
  SELECT json_group_array(item) FROM (SELECT item FROM split WHERE n > 0 ORDER BY n));
)sql"},
};

std::int64_t now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Result<int> current_version(Connection& c) {
  auto st = c.prepare("SELECT coalesce(max(version), 0) FROM schema_migrations");
  if (!st) return std::unexpected(st.error());
  auto row = st->step();
  if (!row) return std::unexpected(row.error());
  return static_cast<int>(st->int64(0));
}

Result<int> migrate_locked(Connection& c) {
  if (auto s = c.exec("CREATE TABLE IF NOT EXISTS schema_migrations("
                      "version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)");
      !s)
    return std::unexpected(s.error());
  auto have = current_version(c);
  if (!have) return have;
  if (*have > latest_schema_version())
    return fail(ErrorKind::Configuration,
                "the database schema version " + std::to_string(*have) +
                    " is newer than this binary supports (" +
                    std::to_string(latest_schema_version()) + ")");
  for (const Migration& m : kMigrations) {
    // Applied by version, not by "newer than the max": steps developed in
    // parallel may land out of order (e.g. 4 after 5 on a dev database).
    auto applied = c.prepare("SELECT 1 FROM schema_migrations WHERE version=?");
    if (!applied) return std::unexpected(applied.error());
    applied->bind(1, m.version);
    auto has = applied->step();
    if (!has) return std::unexpected(has.error());
    applied->reset();
    if (*has) continue;
    if (auto s = c.exec(m.sql); !s) return std::unexpected(s.error());
    auto ins = c.prepare("INSERT INTO schema_migrations(version, applied_at) VALUES(?, ?)");
    if (!ins) return std::unexpected(ins.error());
    if (auto s = ins->bind(1, m.version).bind(2, now_us()).run(); !s)
      return std::unexpected(s.error());
  }
  return current_version(c);
}

}  // namespace

int latest_schema_version() { return std::span(kMigrations).back().version; }

Result<int> migrate(Connection& c) {
  if (auto s = c.exec("BEGIN IMMEDIATE"); !s) return std::unexpected(s.error());
  auto v = migrate_locked(c);
  if (!v) {
    (void)c.exec("ROLLBACK");
    return v;
  }
  if (auto s = c.exec("COMMIT"); !s) {
    (void)c.exec("ROLLBACK");
    return std::unexpected(s.error());
  }
  return v;
}

}  // namespace vault::storage::sqlite
