#pragma once
/// The error taxonomy of the vault (spec section 2).
///
/// Every failure that can reach a client is an `Error` carrying an
/// `ErrorKind`. The kind decides the wire code (`VAULT_ERR_NNNN`), the class
/// name (`type`), the HTTP status and whether a retry may help. The one table
/// in error.cpp is the single source of truth: the HTTP layer renders from it
/// and `docs/error-codes.md` is generated from it (a test checks they agree).
///
/// Messages and details must never contain plaintext record data or key
/// material: they are returned to clients and written to logs.
#include <boost/json/object.hpp>

#include <cstdint>
#include <expected>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace vault {

enum class ErrorCategory { Client, Server, Dependency, Transient, Business, Security, Unknown };

/// Numeric value == the NNNN of VAULT_ERR_NNNN.
enum class ErrorKind : std::uint16_t {
  // 0001-0999 client errors
  Validation = 1,
  SchemaValidation = 2,
  MalformedRequest = 3,
  InvalidCursor = 4,
  InvalidIdentifier = 5,
  MissingParameter = 6,
  Authentication = 10,
  Authorization = 11,
  ResourceNotFound = 20,
  DatasetNotFound = 21,
  RecordNotFound = 22,
  VersionNotFound = 23,
  TenantNotFound = 24,
  ApiKeyNotFound = 25,
  RouteNotFound = 26,
  MethodNotAllowed = 30,
  Conflict = 40,
  ConcurrentModification = 41,
  IdempotencyKeyReuse = 42,
  PayloadTooLarge = 50,
  UnsupportedMediaType = 51,
  RateLimitExceeded = 60,
  TenantRateLimit = 61,
  GlobalRateLimit = 62,
  // 1000-1999 server errors
  InternalServer = 1000,
  Configuration = 1001,
  NotImplemented = 1002,
  // 2000-2999 dependency errors
  Dependency = 2000,
  Database = 2001,
  BlobStorage = 2002,
  Cache = 2003,
  KeyProvider = 2004,
  CircuitOpen = 2005,
  // 3000-3999 transient errors
  Transient = 3000,
  Timeout = 3001,
  ServiceUnavailable = 3002,
  Overloaded = 3003,
  DeadlineExceeded = 3004,
  MaintenanceMode = 3005,
  // 4000-4999 business rule errors
  BusinessRuleViolation = 4000,
  DatasetArchived = 4001,
  QuotaExceeded = 4002,
  // 5000-5999 security errors
  Security = 5000,
  Encryption = 5001,
  KeyRetrieval = 5002,
  EncryptionOperation = 5003,
  DecryptionOperation = 5004,
  Integrity = 5005,
  // 9000-9999 unknown
  Unknown = 9999,
};

struct ErrorInfo {
  ErrorKind kind;
  std::string_view type;         ///< class name on the wire, e.g. "DatasetNotFoundError"
  int http_status;
  ErrorCategory category;
  bool retryable;                ///< may the same request succeed later?
  std::string_view description;  ///< one line for docs/error-codes.md
};

/// Every error class, in code order.
std::span<const ErrorInfo> error_table();
const ErrorInfo& error_info(ErrorKind kind);
/// "VAULT_ERR_0021"
std::string error_code_string(ErrorKind kind);
std::string_view category_name(ErrorCategory c);

/// Whether an error of `kind` belongs to the spec's error class `cls`
/// (spec 2.1): its own type name ("DatabaseError"), or a group —
/// ClientError (client and business categories), ServerError (server,
/// dependency, transient and unknown: failures on our side of the wire;
/// security errors are answers about data, not failures of a service),
/// DependencyError, ConnectionError / NetworkError (a dependency could not
/// be reached), TransientError, TimeoutError, ServiceUnavailableError
/// (every 503), RateLimitError, ValidationError (every 400),
/// AuthenticationError, AuthorizationError, NotFoundError, ConflictError,
/// SecurityError / EncryptionError.
bool error_is_a(ErrorKind kind, std::string_view cls);

/// Whether a failure of kind `kind` means that a store or dependency cannot
/// answer now (unreachable, its breaker open, its pool full, too slow), so
/// that a fallback copy may answer instead: Database, Dependency,
/// CircuitOpen, Timeout, ServiceUnavailable, Overloaded, Transient.
bool dependency_unavailable(ErrorKind kind);

/// Whether `cls` is a class name `error_is_a` knows (for configuration).
bool known_error_class(std::string_view cls);
/// Renders the markdown of docs/error-codes.md from the table.
std::string render_error_code_docs();

/// A typed failure: kind + client-safe message + structured details.
class Error {
 public:
  Error(ErrorKind kind, std::string message, boost::json::object details = {})
      : kind_(kind), message_(std::move(message)), details_(std::move(details)) {}

  ErrorKind kind() const { return kind_; }
  const ErrorInfo& info() const { return error_info(kind_); }
  int http_status() const { return info().http_status; }
  const std::string& message() const { return message_; }
  const boost::json::object& details() const { return details_; }
  boost::json::object& details() { return details_; }
  std::optional<int> retry_after() const { return retry_after_; }
  Error& with_retry_after(int seconds) {
    retry_after_ = seconds;
    return *this;
  }
  /// Wrap: keeps this kind, records the cause's code in details.
  Error& caused_by(const Error& cause);

 private:
  ErrorKind kind_;
  std::string message_;
  boost::json::object details_;
  std::optional<int> retry_after_;
};

template <class T>
using Result = std::expected<T, Error>;
using Status = std::expected<void, Error>;

inline std::unexpected<Error> fail(ErrorKind kind, std::string message,
                                   boost::json::object details = {}) {
  return std::unexpected<Error>(Error(kind, std::move(message), std::move(details)));
}
inline std::unexpected<Error> fail(Error e) { return std::unexpected<Error>(std::move(e)); }

/// Thrown only across boundaries that cannot carry a Result (constructors,
/// callbacks); the HTTP layer catches it and renders the error it carries.
class VaultException : public std::exception {
 public:
  explicit VaultException(Error e) : error_(std::move(e)) {}
  const Error& error() const { return error_; }
  const char* what() const noexcept override { return error_.message().c_str(); }

 private:
  Error error_;
};

/// Unwraps a Result or throws VaultException.
template <class T>
T value_or_throw(Result<T> r) {
  if (!r) throw VaultException(std::move(r.error()));
  if constexpr (!std::is_void_v<T>) return std::move(*r);
}

}  // namespace vault
