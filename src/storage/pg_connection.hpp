#pragma once
/// One libpq connection, its cached prepared statements, and the binary
/// parameter and result formats the PostgreSQL stores use. Every parameter is
/// sent in binary with its type declared (text, int8, bytea, bool and arrays
/// of them), and every result comes back in binary: no quoting, no escaping,
/// bytes stay bytes. A Connection is used by one thread at a time (whoever
/// holds its pool lease, pg_pool.hpp).
#include "vault/core/error.hpp"

#include <libpq-fe.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace vault::storage::pg {

/// Positional parameters $1, $2 ... in the order they are added.
class Params {
 public:
  Params& text(std::string_view v);
  Params& bytea(std::string_view v);
  Params& int8(std::int64_t v);
  Params& boolean(bool v);
  Params& text_array(const std::vector<std::string>& v);
  Params& bytea_array(const std::vector<std::string>& v);
  Params& int8_array(const std::vector<std::int64_t>& v);
  Params& bool_array(const std::vector<bool>& v);

  int size() const { return static_cast<int>(types_.size()); }
  const Oid* types() const { return types_.data(); }
  /// Pointers into the owned buffers; valid until the next add.
  std::vector<const char*> values() const;
  const int* lengths() const { return lengths_.data(); }
  const int* formats() const { return formats_.data(); }

 private:
  Params& add(Oid type, std::string bytes);
  std::vector<Oid> types_;
  std::vector<std::string> buffers_;
  std::vector<int> lengths_;
  std::vector<int> formats_;
};

/// A query's result rows, all columns in binary format.
class Rows {
 public:
  explicit Rows(PGresult* r) : r_(r) {}
  Rows(Rows&& o) noexcept : r_(o.r_) { o.r_ = nullptr; }
  Rows& operator=(Rows&& o) noexcept;
  Rows(const Rows&) = delete;
  Rows& operator=(const Rows&) = delete;
  ~Rows();

  int size() const { return PQntuples(r_); }
  bool empty() const { return size() == 0; }
  /// Rows changed by an INSERT/UPDATE/DELETE.
  std::int64_t affected() const;
  bool is_null(int row, int col) const { return PQgetisnull(r_, row, col) != 0; }
  /// int2/int4/int8 columns (NULL reads 0).
  std::int64_t int64(int row, int col) const;
  bool boolean(int row, int col) const;
  /// text or bytea: the raw bytes.
  std::string bytes(int row, int col) const;
  std::string text(int row, int col) const { return bytes(row, col); }
  /// A one-dimensional text[] column (NULL elements are skipped).
  std::vector<std::string> text_array(int row, int col) const;

 private:
  PGresult* r_;
};

struct ConnectOptions {
  std::chrono::milliseconds connect_timeout{5000};
  /// statement_timeout of the session; 0 = none.
  std::chrono::milliseconds query_timeout{10000};
};

class Connection {
 public:
  /// Connects with `url` (a postgresql:// URL or key=value string). Our
  /// defaults (connect_timeout, application_name, keepalives, UTF8) come
  /// first so the URL's own parameters win. Database error if unreachable.
  static Result<std::unique_ptr<Connection>> open(const std::string& url, const ConnectOptions& o);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  /// Runs `sql` as a cached prepared statement (prepared on first use with
  /// the parameter types of `p`; the same SQL must always get the same types).
  Result<Rows> query(std::string_view sql, const Params& p = {});
  /// Runs one or more statements without parameters (BEGIN, COMMIT, DDL).
  Status exec(const char* sql);

  /// False once the connection failed or is inside a failed transaction:
  /// the pool drops it instead of reusing it.
  bool reusable() const;
  bool in_transaction() const;
  /// The SQLSTATE of the last failed command ("" when it did not come from the server).
  const std::string& last_sqlstate() const { return last_sqlstate_; }

 private:
  explicit Connection(PGconn* c) : c_(c) {}
  Error error_of(PGresult* r, std::string_view context);
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  PGconn* c_;
  // sql -> statement name; looked up by string_view (no copy per statement)
  std::unordered_map<std::string, std::string, Hash, std::equal_to<>> prepared_;
  std::string last_sqlstate_;
};

/// SQLSTATE 40001 (serialization failure) or 40P01 (deadlock): the
/// transaction can run again.
bool retryable_sqlstate(const std::string& s);
/// SQLSTATE class 08 (connection exception), 57P01-57P03 (server shutting
/// down, cannot connect now) or no SQLSTATE at all: the server or the link failed.
bool connection_sqlstate(const std::string& s);

}  // namespace vault::storage::pg
