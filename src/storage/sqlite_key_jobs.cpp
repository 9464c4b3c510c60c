// SqliteMetadataStore: key rotation support (key_jobs table and in-place
// payload rewrites, migration 4) and tenant purge.
#include "storage/sqlite_metadata_store.hpp"
#include "storage/sqlite_rows.hpp"

namespace vault::storage {

using sqlite::Connection;

namespace {

constexpr const char* kJobColumns =
    "id, tenant_id, type, dataset_id, state, total, done, from_version, to_version, cursor, error, "
    "created_at, updated_at";

KeyJob job_from(const sqlite::Stmt& s) {
  KeyJob j;
  j.id = s.text(0);
  j.tenant_id = s.text(1);
  j.type = s.text(2);
  j.dataset_id = s.text(3);
  j.state = s.text(4);
  j.total = s.int64(5);
  j.done = s.int64(6);
  j.from_version = s.int64(7);
  j.to_version = s.int64(8);
  j.cursor = s.text(9);
  j.error = s.text(10);
  j.created_at = s.int64(11);
  j.updated_at = s.int64(12);
  return j;
}

Status check_job(const KeyJob& j) {
  if (j.type != "kek_rotation" && j.type != "dek_rotation")
    return fail(ErrorKind::Validation, "key job type must be kek_rotation or dek_rotation");
  if (j.state != "running" && j.state != "succeeded" && j.state != "failed")
    return fail(ErrorKind::Validation, "key job state must be running, succeeded or failed");
  return {};
}

Result<std::vector<KeyJob>> collect_jobs(Result<sqlite::Stmt>& st) {
  if (!st) return std::unexpected(st.error());
  std::vector<KeyJob> out;
  for (;;) {
    auto row = st->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) break;
    out.push_back(job_from(*st));
  }
  return out;
}

Status delete_where(Connection& c, const char* sql, const std::string& tenant_id) {
  auto st = c.prepare(sql);
  if (!st) return std::unexpected(st.error());
  return st->bind(1, tenant_id).run();
}

}  // namespace

Result<RecordPage> SqliteMetadataStore::list_record_revisions(const std::string& tenant_id,
                                                              const std::string& dataset_id, Seq after_seq,
                                                              int limit) {
  if (limit <= 0) return fail(ErrorKind::Validation, "limit must be positive", {{"field", "limit"}});
  return read<RecordPage>([&](Connection& c) -> Result<RecordPage> {
    auto ds = sqlite::load_dataset(c, tenant_id, dataset_id);
    if (!ds) return std::unexpected(ds.error());
    static const std::string sql = std::string("SELECT ") + sqlite::kRecordColumns +
                                   " FROM records WHERE dataset_pk=? AND seq>? ORDER BY seq LIMIT ?";
    auto st = c.prepare(sql);
    if (!st) return std::unexpected(st.error());
    st->bind(1, ds->pk).bind(2, after_seq).bind(3, static_cast<std::int64_t>(limit) + 1);
    RecordPage page;
    for (;;) {
      auto row = st->step();
      if (!row) return std::unexpected(row.error());
      if (!*row) break;
      if (static_cast<int>(page.items.size()) == limit) {
        page.next_after = page.items.back().seq;
        break;
      }
      page.items.push_back(sqlite::record_from(*st));
    }
    return page;
  });
}

Result<std::int64_t> SqliteMetadataStore::count_record_revisions(const std::string& tenant_id,
                                                                 const std::string& dataset_id) {
  return read<std::int64_t>([&](Connection& c) -> Result<std::int64_t> {
    auto ds = sqlite::load_dataset(c, tenant_id, dataset_id);
    if (!ds) return std::unexpected(ds.error());
    auto st = c.prepare("SELECT count(*) FROM records WHERE dataset_pk=?");
    if (st) st->bind(1, ds->pk);
    auto row = sqlite::exists(st);
    if (!row) return std::unexpected(row.error());
    return st->int64(0);
  });
}

namespace {

/// One CAS rewrite on the write connection: 1 rewritten, 0 no such revision,
/// -1 payload differs.
Result<int> rewrite_one(Connection& c, std::int64_t dataset_pk, const PayloadRewrite& w) {
  auto find = c.prepare(
      "SELECT rowid, payload, superseded_seq FROM records WHERE dataset_pk=? AND record_id=? AND seq=?");
  if (find) find->bind(1, dataset_pk).bind(2, w.record_id).bind(3, w.seq);
  auto found = sqlite::exists(find);
  if (!found) return std::unexpected(found.error());
  if (!*found) return 0;
  const std::int64_t rowid = find->int64(0);
  const std::string current = find->blob(1);
  const bool live = find->int64(2) == kSeqInfinity;
  find->reset();
  if (current != w.expected) return -1;
  auto upd = c.prepare("UPDATE records SET payload=? WHERE rowid=?");
  if (!upd) return std::unexpected(upd.error());
  if (auto s = upd->bind_blob(1, w.payload).bind(2, rowid).run(); !s) return std::unexpected(s.error());
  const auto delta = static_cast<std::int64_t>(w.payload.size()) - static_cast<std::int64_t>(current.size());
  if (live && delta != 0) {
    auto bytes = c.prepare("UPDATE datasets SET record_bytes=record_bytes+? WHERE pk=?");
    if (!bytes) return std::unexpected(bytes.error());
    if (auto s = bytes->bind(1, delta).bind(2, dataset_pk).run(); !s) return std::unexpected(s.error());
  }
  return 1;
}

}  // namespace

Status SqliteMetadataStore::rewrite_record_payload(const std::string& tenant_id, const std::string& dataset_id,
                                                   const std::string& record_id, Seq seq,
                                                   std::string_view expected, std::string_view payload) {
  return write<void>([&](Connection& c) -> Status {
    auto ds = sqlite::load_dataset(c, tenant_id, dataset_id);
    if (!ds) return std::unexpected(ds.error());
    auto r = rewrite_one(c, ds->pk, PayloadRewrite{record_id, seq, std::string(expected), std::string(payload)});
    if (!r) return std::unexpected(r.error());
    if (*r == 0) return fail(ErrorKind::RecordNotFound, "record revision not found", {{"seq", seq}});
    if (*r < 0)
      return fail(ErrorKind::ConcurrentModification, "the record revision was rewritten concurrently",
                  {{"seq", seq}});
    return {};
  });
}

Result<std::int64_t> SqliteMetadataStore::rewrite_record_payloads(const std::string& tenant_id,
                                                                  const std::string& dataset_id,
                                                                  const std::vector<PayloadRewrite>& rewrites) {
  return write<std::int64_t>([&](Connection& c) -> Result<std::int64_t> {
    auto ds = sqlite::load_dataset(c, tenant_id, dataset_id);
    if (!ds) return std::unexpected(ds.error());
    std::int64_t n = 0;
    for (const auto& w : rewrites) {
      auto r = rewrite_one(c, ds->pk, w);
      if (!r) return std::unexpected(r.error());
      n += *r > 0 ? 1 : 0;
    }
    return n;
  });
}

Status SqliteMetadataStore::create_key_job(const KeyJob& j) {
  if (auto s = check_job(j); !s) return s;
  return write<void>([&](Connection& c) -> Status {
    auto running = c.prepare("SELECT 1 FROM key_jobs WHERE tenant_id=? AND state='running'");
    if (running) running->bind(1, j.tenant_id);
    auto busy = sqlite::exists(running);
    if (!busy) return std::unexpected(busy.error());
    if (*busy) return fail(ErrorKind::Conflict, "a key rotation job of this tenant is already running");
    running->reset();
    auto ins = c.prepare(
        "INSERT INTO key_jobs(id, tenant_id, type, dataset_id, state, total, done, from_version, to_version, "
        "cursor, error, created_at, updated_at) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?)");
    if (!ins) return std::unexpected(ins.error());
    const Timestamp now = sqlite::now_micros();
    return ins->bind(1, j.id)
        .bind(2, j.tenant_id)
        .bind(3, j.type)
        .bind(4, j.dataset_id)
        .bind(5, j.state)
        .bind(6, j.total)
        .bind(7, j.done)
        .bind(8, j.from_version)
        .bind(9, j.to_version)
        .bind(10, j.cursor)
        .bind(11, j.error)
        .bind(12, j.created_at ? j.created_at : now)
        .bind(13, j.updated_at ? j.updated_at : now)
        .run();
  });
}

Status SqliteMetadataStore::update_key_job(const KeyJob& j) {
  if (auto s = check_job(j); !s) return s;
  return write<void>([&](Connection& c) -> Status {
    auto st = c.prepare(
        "UPDATE key_jobs SET state=?, total=?, done=?, from_version=?, to_version=?, cursor=?, error=?, "
        "updated_at=? WHERE tenant_id=? AND id=?");
    if (!st) return std::unexpected(st.error());
    if (auto s = st->bind(1, j.state)
                     .bind(2, j.total)
                     .bind(3, j.done)
                     .bind(4, j.from_version)
                     .bind(5, j.to_version)
                     .bind(6, j.cursor)
                     .bind(7, j.error)
                     .bind(8, sqlite::now_micros())
                     .bind(9, j.tenant_id)
                     .bind(10, j.id)
                     .run();
        !s)
      return s;
    if (c.changes() == 0) return fail(ErrorKind::ResourceNotFound, "key job not found");
    return {};
  });
}

Result<KeyJob> SqliteMetadataStore::get_key_job(const std::string& tenant_id, const std::string& id) {
  return read<KeyJob>([&](Connection& c) -> Result<KeyJob> {
    static const std::string sql =
        std::string("SELECT ") + kJobColumns + " FROM key_jobs WHERE tenant_id=? AND id=?";
    auto st = c.prepare(sql);
    if (st) st->bind(1, tenant_id).bind(2, id);
    auto found = sqlite::exists(st);
    if (!found) return std::unexpected(found.error());
    if (!*found) return fail(ErrorKind::ResourceNotFound, "key job not found");
    return job_from(*st);
  });
}

Result<std::vector<KeyJob>> SqliteMetadataStore::list_key_jobs(const std::string& tenant_id, int limit) {
  if (limit <= 0) return fail(ErrorKind::Validation, "limit must be positive", {{"field", "limit"}});
  return read<std::vector<KeyJob>>([&](Connection& c) -> Result<std::vector<KeyJob>> {
    static const std::string sql = std::string("SELECT ") + kJobColumns +
                                   " FROM key_jobs WHERE tenant_id=? ORDER BY created_at DESC, id DESC LIMIT ?";
    auto st = c.prepare(sql);
    if (st) st->bind(1, tenant_id).bind(2, limit);
    return collect_jobs(st);
  });
}

Result<std::vector<KeyJob>> SqliteMetadataStore::list_running_key_jobs() {
  return read<std::vector<KeyJob>>([&](Connection& c) -> Result<std::vector<KeyJob>> {
    static const std::string sql =
        std::string("SELECT ") + kJobColumns + " FROM key_jobs WHERE state='running' ORDER BY created_at, id";
    auto st = c.prepare(sql);
    return collect_jobs(st);
  });
}

Status SqliteMetadataStore::delete_tenant(const std::string& tenant_id) {
  return write<void>([&](Connection& c) -> Status {
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
