#pragma once
/// The PostgreSQL database every PostgreSQL aggregate store shares: a pool of
/// libpq connections (pg_pool.hpp), group commit of writes with retry of
/// serialization failures and of stale connections, the closed flag and the schema version
/// after migrations (pg_migrations.cpp). It is also the backend's StoreOps.
///
/// Each write is one READ COMMITTED transaction (or savepoint); methods that change a
/// dataset's records, versions or counters lock the dataset row first
/// (SELECT ... FOR UPDATE), which serializes them per dataset exactly as
/// SQLite's single writer does, while writes to different datasets run in
/// parallel. Reads run without an explicit transaction: each statement sees
/// the latest committed state, which saves the BEGIN and COMMIT round trips
/// on every read. That keeps SQLite's results because what a read combines
/// is immutable once committed: a record revision is addressed by seq and
/// written once, and a dataset's seq only moves forward with the revisions
/// in the same transaction (an as-of read at S sees exactly the revisions
/// live at S, whenever its statements run). Writes go through group commit
/// (pg_group_commit.hpp): concurrent writes share transactions and commits,
/// per partition; writes of one dataset always share a partition.
#include "storage/pg_group_commit.hpp"
#include "storage/pg_pool.hpp"
#include "vault/resilience/dependency_guard.hpp"
#include "vault/storage/store_ops.hpp"

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

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
  /// "connection pool: K/M active (N open)" (spec 4.3's wording).
  std::string describe() const override;
  std::optional<ConnectionPoolUsage> connection_pool() const override {
    const auto u = pool_.usage();
    return ConnectionPoolUsage{u.open, u.in_use, u.size};
  }
  void close() override;
  void set_guard(resilience::DependencyGuard* guard) override { guard_ = guard; }

  /// Runs `fn` as one write (in its own savepoint of a group transaction);
  /// returns once it is committed. `partition` names what the write locks
  /// (dataset_partition() for a dataset's rows; "" = no shared row).
  template <class T>
  Result<T> write(std::string_view partition, const std::function<Result<T>(pg::Connection&)>& fn);
  template <class T>
  Result<T> write(const std::function<Result<T>(pg::Connection&)>& fn) {
    return write<T>(std::string_view(), fn);
  }
  static std::string dataset_partition(const std::string& tenant_id, const std::string& dataset_id) {
    return tenant_id + '/' + dataset_id;
  }
  /// Runs `fn`'s statements in autocommit mode (see above).
  template <class T>
  Result<T> read(const std::function<Result<T>(pg::Connection&)>& fn);

  pg::Pool::Usage pool_usage() const { return pool_.usage(); }

 private:
  PgDatabase(std::string url, const PgOptions& o, int schema_version);
  /// read() without the guard (ping runs it under guard->probe).
  template <class T>
  Result<T> read_direct(const std::function<Result<T>(pg::Connection&)>& fn);
  /// After a failed read on `c`: true if it may run again.
  bool may_retry(const pg::Connection& c, const Error& e, int attempt);

  pg::Pool pool_;
  pg::GroupCommit group_commit_;
  const int schema_version_;
  std::atomic<bool> closed_{false};
  resilience::DependencyGuard* guard_ = nullptr;
};

}  // namespace vault::storage

namespace vault::storage {

template <class T>
Result<T> PgDatabase::write(std::string_view partition, const std::function<Result<T>(pg::Connection&)>& fn) {
  if (closed_.load()) return fail(ErrorKind::Database, "the store is closed");
  auto once = [&]() -> Result<T> {
    std::optional<Result<T>> out;
    const std::function<Status(pg::Connection&)> job = [&](pg::Connection& c) -> Status {
      out.emplace(fn(c));
      if (!*out) return std::unexpected(out->error());
      return {};
    };
    auto s = group_commit_.run(partition, job);
    if (!s) return std::unexpected(s.error());  // also when fn succeeded but its commit did not
    return std::move(*out);
  };
  // A failed write was rolled back, so the guard may run it again; one whose
  // COMMIT lost the connection is marked not retryable (pg_group_commit.cpp).
  if (guard_) return guard_->call("write", resilience::CallKind::IdempotentWrite, once);
  return once();
}

template <class T>
Result<T> PgDatabase::read(const std::function<Result<T>(pg::Connection&)>& fn) {
  if (closed_.load()) return fail(ErrorKind::Database, "the store is closed");
  if (guard_) return guard_->call("read", resilience::CallKind::Read, [&] { return read_direct<T>(fn); });
  return read_direct<T>(fn);
}

template <class T>
Result<T> PgDatabase::read_direct(const std::function<Result<T>(pg::Connection&)>& fn) {
  for (int attempt = 0;; ++attempt) {
    auto lease = pool_.acquire();
    if (!lease) return std::unexpected(lease.error());
    auto r = fn(**lease);
    if (!r && may_retry(**lease, r.error(), attempt)) continue;
    return r;
  }
}

}  // namespace vault::storage
