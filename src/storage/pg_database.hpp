#pragma once
/// The PostgreSQL database every PostgreSQL aggregate store shares: a pool of
/// libpq connections (pg_pool.hpp), transactions with retry of serialization
/// failures and of stale connections, the closed flag and the schema version
/// after migrations (pg_migrations.cpp). It is also the backend's StoreOps.
///
/// Writes run in one READ COMMITTED transaction each; methods that change a
/// dataset's records, versions or counters lock the dataset row first
/// (SELECT ... FOR UPDATE), which serializes them per dataset exactly as
/// SQLite's single writer does, while writes to different datasets run in
/// parallel. Reads run in one REPEATABLE READ READ ONLY transaction (one
/// snapshot, as a SQLite read transaction). Group commit is PostgreSQL's own:
/// concurrent commits on the pooled connections share WAL flushes.
#include "storage/pg_pool.hpp"
#include "vault/resilience/dependency_guard.hpp"
#include "vault/storage/store_ops.hpp"

#include <atomic>
#include <functional>
#include <memory>
#include <string>

namespace vault::storage {

struct PgOptions {
  std::size_t pool_size = 16;
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds query_timeout{10000};
};

class PgDatabase final : public StoreOps {
 public:
  /// Connects and migrates (serialized across replicas by an advisory lock).
  static Result<std::unique_ptr<PgDatabase>> open(const std::string& url, const PgOptions& o);
  ~PgDatabase() override;

  Status ping() override;
  int schema_version() const override { return schema_version_; }
  void close() override;
  void set_guard(resilience::DependencyGuard* guard) override { guard_ = guard; }

  /// Runs `fn` in one read-write transaction; returns once it is committed.
  template <class T>
  Result<T> write(const std::function<Result<T>(pg::Connection&)>& fn);
  /// Runs `fn` in one read-only snapshot transaction.
  template <class T>
  Result<T> read(const std::function<Result<T>(pg::Connection&)>& fn);

  pg::Pool::Usage pool_usage() const { return pool_.usage(); }

 private:
  PgDatabase(std::string url, const PgOptions& o, int schema_version);
  template <class T>
  Result<T> transact(const std::function<Result<T>(pg::Connection&)>& fn, bool read_only);
  /// After a failure on `c`: true if the same transaction may run again.
  bool may_retry(const pg::Connection& c, const Error& e, int attempt);

  pg::Pool pool_;
  const int schema_version_;
  std::atomic<bool> closed_{false};
  resilience::DependencyGuard* guard_ = nullptr;
};

}  // namespace vault::storage

namespace vault::storage {

template <class T>
Result<T> PgDatabase::write(const std::function<Result<T>(pg::Connection&)>& fn) {
  if (closed_.load()) return fail(ErrorKind::Database, "the store is closed");
  // A failed transaction was rolled back: running it again is safe.
  if (guard_)
    return guard_->call("write", resilience::CallKind::IdempotentWrite, [&] { return transact<T>(fn, false); });
  return transact<T>(fn, false);
}

template <class T>
Result<T> PgDatabase::read(const std::function<Result<T>(pg::Connection&)>& fn) {
  if (closed_.load()) return fail(ErrorKind::Database, "the store is closed");
  if (guard_) return guard_->call("read", resilience::CallKind::Read, [&] { return transact<T>(fn, true); });
  return transact<T>(fn, true);
}

template <class T>
Result<T> PgDatabase::transact(const std::function<Result<T>(pg::Connection&)>& fn, bool read_only) {
  for (int attempt = 0;; ++attempt) {
    auto lease = pool_.acquire();
    if (!lease) return std::unexpected(lease.error());
    pg::Connection& c = **lease;
    if (auto b = c.exec(read_only ? "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY" : "BEGIN"); !b) {
      if (may_retry(c, b.error(), attempt)) continue;
      return std::unexpected(b.error());
    }
    auto r = fn(c);
    if (!r) {
      const bool again = may_retry(c, r.error(), attempt);
      if (c.in_transaction()) (void)c.exec("ROLLBACK");
      if (again) continue;
      return r;
    }
    if (auto cm = c.exec("COMMIT"); !cm) {
      // A connection lost during COMMIT leaves the outcome unknown: not retried here.
      if (!pg::connection_sqlstate(c.last_sqlstate()) && may_retry(c, cm.error(), attempt)) continue;
      return std::unexpected(cm.error());
    }
    return r;
  }
}

}  // namespace vault::storage
