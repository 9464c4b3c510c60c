#include "storage/pg_connection.hpp"

#include <cstring>

namespace vault::storage::pg {
namespace {

// Type OIDs (pg_type.dat); stable across PostgreSQL versions.
constexpr Oid kBool = 16, kBytea = 17, kInt8 = 20, kText = 25;
constexpr Oid kBoolArray = 1000, kByteaArray = 1001, kTextArray = 1009, kInt8Array = 1016;

void put32(std::string& out, std::uint32_t v) {
  const char b[4] = {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
                     static_cast<char>(v)};
  out.append(b, 4);
}

void put64(std::string& out, std::uint64_t v) {
  put32(out, static_cast<std::uint32_t>(v >> 32));
  put32(out, static_cast<std::uint32_t>(v));
}

std::uint64_t get_be(const unsigned char* p, int n) {
  std::uint64_t v = 0;
  for (int i = 0; i < n; ++i) v = (v << 8) | p[i];
  return v;
}

/// The binary array format (array_send): ndim, has-nulls flag, element type,
/// then per dimension its length and lower bound, then each element as
/// length + bytes.
template <class Items, class Encode>
std::string encode_array(Oid element, const Items& items, Encode encode) {
  std::string out;
  const bool empty = items.empty();
  put32(out, empty ? 0 : 1);
  put32(out, 0);
  put32(out, element);
  if (!empty) {
    put32(out, static_cast<std::uint32_t>(items.size()));
    put32(out, 1);
  }
  for (const auto& item : items) {
    std::string bytes = encode(item);
    put32(out, static_cast<std::uint32_t>(bytes.size()));
    out += bytes;
  }
  return out;
}

std::string first_line(const char* s) {
  std::string m = s ? s : "";
  while (!m.empty() && (m.back() == '\n' || m.back() == ' ')) m.pop_back();
  if (auto nl = m.find('\n'); nl != std::string::npos) m.resize(nl);
  return m;
}

}  // namespace

Params& Params::add(Oid type, std::string bytes) {
  types_.push_back(type);
  lengths_.push_back(static_cast<int>(bytes.size()));
  formats_.push_back(1);
  buffers_.push_back(std::move(bytes));
  return *this;
}

Params& Params::text(std::string_view v) { return add(kText, std::string(v)); }
Params& Params::bytea(std::string_view v) { return add(kBytea, std::string(v)); }
Params& Params::int8(std::int64_t v) {
  std::string b;
  put64(b, static_cast<std::uint64_t>(v));
  return add(kInt8, std::move(b));
}
Params& Params::boolean(bool v) { return add(kBool, std::string(1, v ? '\1' : '\0')); }
Params& Params::text_array(const std::vector<std::string>& v) {
  return add(kTextArray, encode_array(kText, v, [](const std::string& s) { return s; }));
}
Params& Params::bytea_array(const std::vector<std::string>& v) {
  return add(kByteaArray, encode_array(kBytea, v, [](const std::string& s) { return s; }));
}
Params& Params::int8_array(const std::vector<std::int64_t>& v) {
  return add(kInt8Array, encode_array(kInt8, v, [](std::int64_t x) {
               std::string b;
               put64(b, static_cast<std::uint64_t>(x));
               return b;
             }));
}
Params& Params::bool_array(const std::vector<bool>& v) {
  return add(kBoolArray, encode_array(kBool, v, [](bool x) { return std::string(1, x ? '\1' : '\0'); }));
}

std::vector<const char*> Params::values() const {
  std::vector<const char*> out;
  out.reserve(buffers_.size());
  for (const auto& b : buffers_) out.push_back(b.data());
  return out;
}

Rows& Rows::operator=(Rows&& o) noexcept {
  if (this != &o) {
    if (r_) PQclear(r_);
    r_ = o.r_;
    o.r_ = nullptr;
  }
  return *this;
}

Rows::~Rows() {
  if (r_) PQclear(r_);
}

std::int64_t Rows::affected() const {
  const char* n = PQcmdTuples(r_);
  return n && *n ? std::strtoll(n, nullptr, 10) : 0;
}

std::int64_t Rows::int64(int row, int col) const {
  if (is_null(row, col)) return 0;
  const int n = PQgetlength(r_, row, col);
  const auto* p = reinterpret_cast<const unsigned char*>(PQgetvalue(r_, row, col));
  const std::uint64_t v = get_be(p, n);
  switch (n) {  // sign-extend int2/int4
    case 2: return static_cast<std::int16_t>(v);
    case 4: return static_cast<std::int32_t>(v);
    default: return static_cast<std::int64_t>(v);
  }
}

bool Rows::boolean(int row, int col) const {
  return !is_null(row, col) && PQgetlength(r_, row, col) == 1 && PQgetvalue(r_, row, col)[0] != 0;
}

std::string Rows::bytes(int row, int col) const {
  if (is_null(row, col)) return {};
  return std::string(PQgetvalue(r_, row, col), static_cast<std::size_t>(PQgetlength(r_, row, col)));
}

std::vector<std::string> Rows::text_array(int row, int col) const {
  std::vector<std::string> out;
  if (is_null(row, col)) return out;
  const auto* p = reinterpret_cast<const unsigned char*>(PQgetvalue(r_, row, col));
  const auto* end = p + PQgetlength(r_, row, col);
  if (end - p < 12) return out;
  const auto ndim = static_cast<std::int32_t>(get_be(p, 4));
  p += 12;  // ndim, flags, element type
  if (ndim != 1 || end - p < 8) return out;
  const auto count = static_cast<std::int32_t>(get_be(p, 4));
  p += 8;  // length, lower bound
  for (std::int32_t i = 0; i < count && end - p >= 4; ++i) {
    const auto len = static_cast<std::int32_t>(get_be(p, 4));
    p += 4;
    if (len < 0) continue;
    if (end - p < len) break;
    out.emplace_back(reinterpret_cast<const char*>(p), static_cast<std::size_t>(len));
    p += len;
  }
  return out;
}

Result<std::unique_ptr<Connection>> Connection::open(const std::string& url, const ConnectOptions& o) {
  const std::string timeout =
      std::to_string(std::max<std::int64_t>(1, (o.connect_timeout.count() + 999) / 1000));
  // Keywords are processed in order and the last one wins: ours first, then
  // the URL (dbname with expand_dbname) so that what the operator wrote wins.
  const char* keys[] = {"connect_timeout", "application_name", "keepalives", "keepalives_idle",
                        "keepalives_interval", "keepalives_count", "client_encoding", "dbname", nullptr};
  const char* values[] = {timeout.c_str(), "vaultd", "1", "10", "5", "3", "UTF8", url.c_str(), nullptr};
  PGconn* c = PQconnectdbParams(keys, values, 1);
  if (!c) return fail(ErrorKind::Database, "postgresql: out of memory while connecting");
  if (PQstatus(c) != CONNECTION_OK) {
    std::string m = "postgresql: cannot connect: " + first_line(PQerrorMessage(c));
    PQfinish(c);
    return fail(ErrorKind::Database, std::move(m));
  }
  std::unique_ptr<Connection> conn(new Connection(c));
  std::string setup = "SET statement_timeout = " + std::to_string(o.query_timeout.count()) +
                      "; SET lock_timeout = " + std::to_string(o.query_timeout.count());
  if (auto s = conn->exec(setup.c_str()); !s) return std::unexpected(s.error());
  return conn;
}

Connection::~Connection() { PQfinish(c_); }

Error Connection::error_of(PGresult* r, std::string_view context) {
  const char* state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
  last_sqlstate_ = state ? state : "";
  // The primary message only: DETAIL lines can quote row values.
  const char* primary = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
  std::string msg = "postgresql: " + std::string(context) + ": " +
                    (primary ? first_line(primary) : first_line(PQerrorMessage(c_)));
  if (last_sqlstate_ == "23505")
    return Error(ErrorKind::Conflict, "a row with this key already exists");
  if (last_sqlstate_ == "22021" || last_sqlstate_ == "22P05")
    return Error(ErrorKind::Validation, "text must be valid UTF-8 without NUL characters");
  return Error(ErrorKind::Database, std::move(msg));
}

Result<Rows> Connection::query(std::string_view sql, const Params& p) {
  auto it = prepared_.find(sql);
  if (it == prepared_.end()) {
    std::string name = "v" + std::to_string(prepared_.size() + 1);
    const std::string text(sql);
    PGresult* r = PQprepare(c_, name.c_str(), text.c_str(), p.size(), p.types());
    const bool ok = r && PQresultStatus(r) == PGRES_COMMAND_OK;
    if (!ok) {
      Error e = error_of(r, "prepare");
      if (r) PQclear(r);
      return std::unexpected(std::move(e));
    }
    PQclear(r);
    it = prepared_.emplace(text, std::move(name)).first;
  }
  const auto values = p.values();
  PGresult* r = PQexecPrepared(c_, it->second.c_str(), p.size(), values.data(), p.lengths(), p.formats(), 1);
  const auto status = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
    Error e = error_of(r, "query");
    if (r) PQclear(r);
    return std::unexpected(std::move(e));
  }
  last_sqlstate_.clear();
  return Rows(r);
}

Status Connection::exec(const char* sql) {
  PGresult* r = PQexec(c_, sql);
  const auto status = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
    Error e = error_of(r, "exec");
    if (r) PQclear(r);
    return std::unexpected(std::move(e));
  }
  PQclear(r);
  last_sqlstate_.clear();
  return {};
}

bool Connection::reusable() const {
  return PQstatus(c_) == CONNECTION_OK && PQtransactionStatus(c_) == PQTRANS_IDLE;
}

bool Connection::in_transaction() const {
  const auto t = PQtransactionStatus(c_);
  return t == PQTRANS_INTRANS || t == PQTRANS_INERROR;
}

bool retryable_sqlstate(const std::string& s) { return s == "40001" || s == "40P01"; }

bool connection_sqlstate(const std::string& s) {
  return s.empty() || s.starts_with("08") || s == "57P01" || s == "57P02" || s == "57P03";
}

}  // namespace vault::storage::pg
