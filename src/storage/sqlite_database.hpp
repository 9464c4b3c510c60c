#pragma once
/// The SQLite 3 database every SQLite aggregate store shares (WAL,
/// synchronous=FULL): one writer thread with group commit (sqlite_writer.hpp),
/// a pool of read-only connections, the closed flag and the schema version
/// after migrations. It is also the backend's StoreOps (ping, close). The
/// aggregate stores (sqlite_stores.hpp) hold it by reference and run each of
/// their methods as one read<T> or write<T>; MVCC record revisions are
/// described at the records table in sqlite_migrations.cpp.
#include "storage/sqlite_read_pool.hpp"
#include "storage/sqlite_writer.hpp"
#include "vault/resilience/dependency_guard.hpp"
#include "vault/storage/store_ops.hpp"

#include <atomic>
#include <functional>
#include <memory>
#include <string>

namespace vault::storage {

class SqliteDatabase final : public StoreOps {
 public:
  /// Opens (creating the file if needed) and migrates the database at `path`.
  static Result<std::unique_ptr<SqliteDatabase>> open(const std::string& path);
  ~SqliteDatabase() override;

  Status ping() override;
  int schema_version() const override { return schema_version_; }
  void close() override;
  void set_guard(resilience::DependencyGuard* guard) override { guard_ = guard; }

  /// Runs `fn` in one write transaction on the writer thread (group commit);
  /// returns once it is committed. Database if the database is closed.
  template <class T>
  Result<T> write(std::function<Result<T>(sqlite::Connection&)> fn);
  /// Runs `fn` in one read transaction (a consistent snapshot) on a pooled
  /// read-only connection. Database if the database is closed.
  template <class T>
  Result<T> read(const std::function<Result<T>(sqlite::Connection&)>& fn);

 private:
  SqliteDatabase(std::unique_ptr<sqlite::Writer> writer, std::string path, int schema_version);
  /// read() without the guard (ping runs it under guard->probe).
  template <class T>
  Result<T> read_direct(const std::function<Result<T>(sqlite::Connection&)>& fn);

  std::unique_ptr<sqlite::Writer> writer_;
  sqlite::ReadPool readers_;
  const int schema_version_;
  std::atomic<bool> closed_{false};
  resilience::DependencyGuard* guard_ = nullptr;
};

}  // namespace vault::storage

namespace vault::storage {

template <class T>
Result<T> SqliteDatabase::write(std::function<Result<T>(sqlite::Connection&)> fn) {
  if (closed_.load()) return fail(ErrorKind::Database, "the store is closed");
  // A failed write transaction was rolled back: running it again is safe
  // (each attempt gets its own copy of fn).
  if (guard_) return guard_->call("write", resilience::CallKind::IdempotentWrite, [&] { return writer_->execute<T>(fn); });
  return writer_->execute<T>(std::move(fn));
}

template <class T>
Result<T> SqliteDatabase::read(const std::function<Result<T>(sqlite::Connection&)>& fn) {
  if (closed_.load()) return fail(ErrorKind::Database, "the store is closed");
  if (guard_) return guard_->call("read", resilience::CallKind::Read, [&] { return read_direct<T>(fn); });
  return read_direct<T>(fn);
}

template <class T>
Result<T> SqliteDatabase::read_direct(const std::function<Result<T>(sqlite::Connection&)>& fn) {
  auto lease = readers_.acquire();
  if (!lease) return std::unexpected(lease.error());
  sqlite::Connection& c = **lease;
  if (auto s = c.exec("BEGIN"); !s) return std::unexpected(s.error());
  return fn(c);  // the lease rolls the read transaction back on release
}

}  // namespace vault::storage
