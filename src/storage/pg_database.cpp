#include "storage/pg_database.hpp"

#include "storage/pg_migrations.hpp"

#include <algorithm>
#include <variant>

namespace vault::storage {

Result<std::unique_ptr<PgDatabase>> PgDatabase::open(const std::string& url, const PgOptions& o) {
  if (o.pool_size < 1) return fail(ErrorKind::Configuration, "the database pool size must be at least 1");
  auto conn = pg::Connection::open(url, pg::ConnectOptions{o.connect_timeout, o.query_timeout});
  if (!conn) return std::unexpected(conn.error());
  auto version = pg::migrate(**conn);
  if (!version) return std::unexpected(version.error());
  return std::unique_ptr<PgDatabase>(new PgDatabase(url, o, *version));
}

PgDatabase::PgDatabase(std::string url, const PgOptions& o, int schema_version)
    : pool_(std::move(url), pg::Pool::Options{o.pool_size, o.connect_timeout,
                                              pg::ConnectOptions{o.connect_timeout, o.query_timeout}}),
      // Half the pool at most writes (the rest serves reads), 8 partitions at most.
      group_commit_(pool_, std::clamp<std::size_t>(o.pool_size / 2, 1, 8), [this] { pool_.drop_idle(); }),
      schema_version_(schema_version) {}

PgDatabase::~PgDatabase() { close(); }

void PgDatabase::close() {
  closed_.store(true);
  pool_.close();
}

bool PgDatabase::may_retry(const pg::Connection& c, const Error& e, int attempt) {
  if (e.kind() != ErrorKind::Database) return false;
  const std::string& state = c.last_sqlstate();
  if (pg::retryable_sqlstate(state)) return attempt < 3;
  if (pg::connection_sqlstate(state)) {
    // The server restarted or failed over: every idle connection is stale.
    pool_.drop_idle();
    return attempt < 1 && !closed_.load();
  }
  return false;
}

std::string PgDatabase::describe() const {
  const auto u = *connection_pool();
  return "connection pool: " + std::to_string(u.in_use) + "/" + std::to_string(u.size) + " active (" +
         std::to_string(u.open) + " open)";
}

Status PgDatabase::ping() {
  if (closed_.load()) return fail(ErrorKind::Database, "the store is closed");
  auto probe = [this] {
    return read_direct<std::monostate>([](pg::Connection& c) -> Result<std::monostate> {
      auto r = c.query("SELECT 1");
      if (!r) return std::unexpected(r.error());
      return std::monostate{};
    });
  };
  auto r = guard_ ? guard_->probe(probe) : probe();
  if (!r) return std::unexpected(r.error());
  // Spec 4.3: a pool more than 90% busy makes the check degraded (pressure,
  // not failure); readiness adds the figures from describe().
  const auto u = pool_.usage();
  if (u.in_use * 10 > u.size * 9)
    return fail(ErrorKind::Database, "high utilization", {{"degraded", true}});
  return {};
}

}  // namespace vault::storage
