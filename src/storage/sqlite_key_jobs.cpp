// SqliteJobStore: key rotation jobs (key_jobs table, migration 4).
#include "storage/sqlite_stores.hpp"
#include "storage/sqlite_rows.hpp"

namespace vault::storage {

using sqlite::Connection;

namespace {

constexpr const char* kJobColumns =
    "id, tenant_id, type, dataset_id, state, total, done, from_version, to_version, cursor, error, "
    "created_at, updated_at";

Result<KeyJob> job_from(const sqlite::Stmt& s) {
  auto type = sqlite::enum_column(s, 2, parse_key_job_type, "key_jobs.type");
  if (!type) return std::unexpected(type.error());
  auto state = sqlite::enum_column(s, 4, parse_key_job_state, "key_jobs.state");
  if (!state) return std::unexpected(state.error());
  KeyJob j;
  j.id = s.text(0);
  j.tenant_id = s.text(1);
  j.type = *type;
  j.dataset_id = s.text(3);
  j.state = *state;
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

}  // namespace

Status SqliteJobStore::create_key_job(const KeyJob& j) {
  return db_.write<void>([&](Connection& c) -> Status {
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
        .bind(3, key_job_type_name(j.type))
        .bind(4, j.dataset_id)
        .bind(5, key_job_state_name(j.state))
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

Status SqliteJobStore::update_key_job(const KeyJob& j) {
  return db_.write<void>([&](Connection& c) -> Status {
    auto st = c.prepare(
        "UPDATE key_jobs SET state=?, total=?, done=?, from_version=?, to_version=?, cursor=?, error=?, "
        "updated_at=? WHERE tenant_id=? AND id=?");
    if (!st) return std::unexpected(st.error());
    if (auto s = st->bind(1, key_job_state_name(j.state))
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

Result<KeyJob> SqliteJobStore::get_key_job(const std::string& tenant_id, const std::string& id) {
  return db_.read<KeyJob>([&](Connection& c) -> Result<KeyJob> {
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

Result<std::vector<KeyJob>> SqliteJobStore::list_key_jobs(const std::string& tenant_id, int limit) {
  if (limit <= 0) return fail(ErrorKind::Validation, "limit must be positive", {{"field", "limit"}});
  return db_.read<std::vector<KeyJob>>([&](Connection& c) -> Result<std::vector<KeyJob>> {
    static const std::string sql = std::string("SELECT ") + kJobColumns +
                                   " FROM key_jobs WHERE tenant_id=? ORDER BY created_at DESC, id DESC LIMIT ?";
    auto st = c.prepare(sql);
    if (st) st->bind(1, tenant_id).bind(2, limit);
    return sqlite::collect(st, job_from);
  });
}

Result<std::vector<KeyJob>> SqliteJobStore::list_running_key_jobs() {
  return db_.read<std::vector<KeyJob>>([&](Connection& c) -> Result<std::vector<KeyJob>> {
    static const std::string sql =
        std::string("SELECT ") + kJobColumns + " FROM key_jobs WHERE state='running' ORDER BY created_at, id";
    auto st = c.prepare(sql);
    return sqlite::collect(st, job_from);
  });
}

}  // namespace vault::storage
