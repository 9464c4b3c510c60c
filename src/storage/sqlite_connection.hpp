#pragma once
/// RAII wrappers around one SQLite connection and its cached prepared
/// statements. A Connection is used by one thread at a time (the writer
/// thread, or whoever holds a read-pool lease).
#include "vault/core/error.hpp"

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

namespace vault::storage::sqlite {

/// Error(Database) for the connection's last error; UNIQUE/PRIMARY KEY
/// violations map to Conflict.
Error db_error(sqlite3* db, int rc, std::string_view context);

/// A cached statement checked out of its connection. Binding indexes are
/// 1-based; the statement is reset and its bindings cleared on destruction.
class Stmt {
 public:
  explicit Stmt(sqlite3_stmt* s) : s_(s) {}
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  Stmt(Stmt&& o) noexcept : s_(o.s_) { o.s_ = nullptr; }
  ~Stmt();

  Stmt& bind(int i, std::int64_t v);
  Stmt& bind(int i, int v) { return bind(i, static_cast<std::int64_t>(v)); }
  /// Text; the bytes must outlive the step.
  Stmt& bind(int i, std::string_view text);
  Stmt& bind(int i, const std::string& text) { return bind(i, std::string_view(text)); }
  Stmt& bind(int i, const char* text) { return bind(i, std::string_view(text)); }
  /// Blob; the bytes must outlive the step.
  Stmt& bind_blob(int i, std::string_view bytes);

  /// true: a row is available; false: done.
  Result<bool> step();
  /// Steps to completion (for statements returning no rows).
  Status run();
  /// Resets so the statement can be re-executed with new bindings.
  void reset();

  std::int64_t int64(int col) const { return sqlite3_column_int64(s_, col); }
  bool is_null(int col) const { return sqlite3_column_type(s_, col) == SQLITE_NULL; }
  std::string text(int col) const;
  std::string blob(int col) const;

 private:
  sqlite3_stmt* s_;
};

class Connection {
 public:
  /// Opens (read-write creates the file) and applies the connection pragmas.
  static Result<std::unique_ptr<Connection>> open(const std::string& path, bool read_only);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  /// A cached prepared statement for `sql`.
  Result<Stmt> prepare(std::string_view sql);
  /// Runs one or more statements without results (DDL, BEGIN, COMMIT ...).
  Status exec(const char* sql);
  sqlite3* handle() const { return db_; }
  bool in_transaction() const { return sqlite3_get_autocommit(db_) == 0; }
  std::int64_t changes() const { return sqlite3_changes64(db_); }

 private:
  explicit Connection(sqlite3* db) : db_(db) {}
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  sqlite3* db_;
  std::unordered_map<std::string, sqlite3_stmt*, Hash, std::equal_to<>> cache_;
};

}  // namespace vault::storage::sqlite
