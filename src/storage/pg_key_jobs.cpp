// PgJobStore: key rotation jobs (key_jobs table).
#include "storage/pg_rows.hpp"
#include "storage/pg_stores.hpp"

namespace vault::storage {

using pg::Connection;
using pg::Params;

namespace {

constexpr const char* kJobColumns =
    "id, tenant_id, type, dataset_id, state, total, done, from_version, to_version, cursor, error, "
    "created_at, updated_at";

Result<KeyJob> job_from(const pg::Rows& r, int i) {
  auto type = pg::enum_column(r, i, 2, parse_key_job_type, "key_jobs.type");
  if (!type) return std::unexpected(type.error());
  auto state = pg::enum_column(r, i, 4, parse_key_job_state, "key_jobs.state");
  if (!state) return std::unexpected(state.error());
  KeyJob j;
  j.id = r.text(i, 0);
  j.tenant_id = r.text(i, 1);
  j.type = *type;
  j.dataset_id = r.text(i, 3);
  j.state = *state;
  j.total = r.int64(i, 5);
  j.done = r.int64(i, 6);
  j.from_version = r.int64(i, 7);
  j.to_version = r.int64(i, 8);
  j.cursor = r.text(i, 9);
  j.error = r.text(i, 10);
  j.created_at = r.int64(i, 11);
  j.updated_at = r.int64(i, 12);
  return j;
}

}  // namespace

Status PgJobStore::create_key_job(const KeyJob& j) {
  return db_.write<void>([&](Connection& c) -> Status {
    auto running = c.query("SELECT 1 FROM key_jobs WHERE tenant_id=$1 AND state='running'", Params().text(j.tenant_id));
    if (!running) return std::unexpected(running.error());
    if (!running->empty()) return fail(ErrorKind::Conflict, "a key rotation job of this tenant is already running");
    const Timestamp now = pg::now_micros();
    auto ins = c.query(
        "INSERT INTO key_jobs(id, tenant_id, type, dataset_id, state, total, done, from_version, to_version, "
        "cursor, error, created_at, updated_at) VALUES($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13)",
        Params()
            .text(j.id)
            .text(j.tenant_id)
            .text(key_job_type_name(j.type))
            .text(j.dataset_id)
            .text(key_job_state_name(j.state))
            .int8(j.total)
            .int8(j.done)
            .int8(j.from_version)
            .int8(j.to_version)
            .text(j.cursor)
            .text(j.error)
            .int8(j.created_at ? j.created_at : now)
            .int8(j.updated_at ? j.updated_at : now));
    if (!ins) {
      // Two replicas racing past the check meet the one-running index.
      if (ins.error().kind() == ErrorKind::Conflict && j.state == KeyJobState::Running)
        return fail(ErrorKind::Conflict, "a key rotation job of this tenant is already running");
      return std::unexpected(ins.error());
    }
    return {};
  });
}

Status PgJobStore::update_key_job(const KeyJob& j) {
  return db_.write<void>([&](Connection& c) -> Status {
    auto r = c.query(
        "UPDATE key_jobs SET state=$1, total=$2, done=$3, from_version=$4, to_version=$5, cursor=$6, error=$7, "
        "updated_at=$8 WHERE tenant_id=$9 AND id=$10",
        Params()
            .text(key_job_state_name(j.state))
            .int8(j.total)
            .int8(j.done)
            .int8(j.from_version)
            .int8(j.to_version)
            .text(j.cursor)
            .text(j.error)
            .int8(pg::now_micros())
            .text(j.tenant_id)
            .text(j.id));
    if (!r) return std::unexpected(r.error());
    if (r->affected() == 0) return fail(ErrorKind::ResourceNotFound, "key job not found");
    return {};
  });
}

Result<KeyJob> PgJobStore::get_key_job(const std::string& tenant_id, const std::string& id) {
  return db_.read<KeyJob>([&](Connection& c) -> Result<KeyJob> {
    static const std::string sql = std::string("SELECT ") + kJobColumns + " FROM key_jobs WHERE tenant_id=$1 AND id=$2";
    auto r = c.query(sql, Params().text(tenant_id).text(id));
    if (!r) return std::unexpected(r.error());
    if (r->empty()) return fail(ErrorKind::ResourceNotFound, "key job not found");
    return job_from(*r, 0);
  });
}

Result<std::vector<KeyJob>> PgJobStore::list_key_jobs(const std::string& tenant_id, int limit) {
  if (limit <= 0) return fail(ErrorKind::Validation, "limit must be positive", {{"field", "limit"}});
  return db_.read<std::vector<KeyJob>>([&](Connection& c) -> Result<std::vector<KeyJob>> {
    static const std::string sql = std::string("SELECT ") + kJobColumns +
                                   " FROM key_jobs WHERE tenant_id=$1 ORDER BY created_at DESC, id DESC LIMIT $2";
    return pg::collect(c.query(sql, Params().text(tenant_id).int8(limit)), job_from);
  });
}

Result<std::vector<KeyJob>> PgJobStore::list_running_key_jobs() {
  return db_.read<std::vector<KeyJob>>([&](Connection& c) -> Result<std::vector<KeyJob>> {
    static const std::string sql =
        std::string("SELECT ") + kJobColumns + " FROM key_jobs WHERE state='running' ORDER BY created_at, id";
    return pg::collect(c.query(sql), job_from);
  });
}

}  // namespace vault::storage
