#include "vault/core/error.hpp"

#include <array>
#include <cstdio>
#include <stdexcept>

namespace vault {
namespace {

using C = ErrorCategory;
using K = ErrorKind;

constexpr std::array kTable = {
    ErrorInfo{K::Validation, "ValidationError", 400, C::Client, false,
              "A field or parameter has an invalid value; details name it."},
    ErrorInfo{K::SchemaValidation, "SchemaValidationError", 400, C::Client, false,
              "A record does not match the dataset's JSON schema; details name the field."},
    ErrorInfo{K::MalformedRequest, "MalformedRequestError", 400, C::Client, false,
              "The request body is not well-formed (e.g. invalid JSON or JSONL)."},
    ErrorInfo{K::InvalidCursor, "InvalidCursorError", 400, C::Client, false,
              "A pagination cursor was not issued by this server or is corrupt."},
    ErrorInfo{K::InvalidIdentifier, "InvalidIdentifierError", 400, C::Client, false,
              "A path or body identifier has an invalid format."},
    ErrorInfo{K::MissingParameter, "MissingParameterError", 400, C::Client, false,
              "A required field, header or parameter is missing."},
    ErrorInfo{K::Authentication, "AuthenticationError", 401, C::Client, false,
              "No credentials, or the API key is unknown or revoked."},
    ErrorInfo{K::Authorization, "AuthorizationError", 403, C::Client, false,
              "The caller's role does not allow this operation."},
    ErrorInfo{K::ResourceNotFound, "ResourceNotFoundError", 404, C::Client, false,
              "The named resource does not exist (or belongs to another tenant)."},
    ErrorInfo{K::DatasetNotFound, "DatasetNotFoundError", 404, C::Client, false,
              "No such dataset for this tenant."},
    ErrorInfo{K::RecordNotFound, "RecordNotFoundError", 404, C::Client, false,
              "No such record in this dataset."},
    ErrorInfo{K::VersionNotFound, "VersionNotFoundError", 404, C::Client, false,
              "No such version of this dataset."},
    ErrorInfo{K::TenantNotFound, "TenantNotFoundError", 404, C::Client, false,
              "No such tenant."},
    ErrorInfo{K::ApiKeyNotFound, "ApiKeyNotFoundError", 404, C::Client, false,
              "No such API key."},
    ErrorInfo{K::RouteNotFound, "RouteNotFoundError", 404, C::Client, false,
              "No route matches the request path."},
    ErrorInfo{K::MethodNotAllowed, "MethodNotAllowedError", 405, C::Client, false,
              "The route exists but not for this HTTP method; see the Allow header."},
    ErrorInfo{K::Conflict, "ConflictError", 409, C::Client, false,
              "The request conflicts with existing state (e.g. a name already taken)."},
    ErrorInfo{K::ConcurrentModification, "ConcurrentModificationError", 409, C::Client, false,
              "If-Match did not match the current ETag: the resource changed meanwhile."},
    ErrorInfo{K::IdempotencyKeyReuse, "IdempotencyKeyReuseError", 422, C::Client, false,
              "An Idempotency-Key was reused with a different request."},
    ErrorInfo{K::PayloadTooLarge, "PayloadTooLargeError", 413, C::Client, false,
              "The request body or batch exceeds the configured limit."},
    ErrorInfo{K::UnsupportedMediaType, "UnsupportedMediaTypeError", 415, C::Client, false,
              "The Content-Type is not accepted by this route."},
    ErrorInfo{K::RateLimitExceeded, "RateLimitExceededError", 429, C::Client, true,
              "Too many requests; retry after retry_after seconds."},
    ErrorInfo{K::TenantRateLimit, "TenantRateLimitError", 429, C::Client, true,
              "This tenant's request rate limit is exhausted; retry after retry_after seconds."},
    ErrorInfo{K::GlobalRateLimit, "GlobalRateLimitError", 429, C::Client, true,
              "The server-wide request rate limit is exhausted; retry after retry_after seconds."},
    ErrorInfo{K::InternalServer, "InternalServerError", 500, C::Server, false,
              "An unexpected condition inside the server."},
    ErrorInfo{K::Configuration, "ConfigurationError", 500, C::Server, false,
              "The server configuration is invalid (at start-up: exit code 2)."},
    ErrorInfo{K::NotImplemented, "NotImplementedError", 501, C::Server, false,
              "The operation is not supported by this deployment."},
    ErrorInfo{K::Dependency, "DependencyError", 502, C::Dependency, true,
              "A dependency answered with an unexpected failure."},
    ErrorInfo{K::Database, "DatabaseError", 503, C::Dependency, true,
              "The metadata/record store failed."},
    ErrorInfo{K::BlobStorage, "BlobStorageError", 503, C::Dependency, true,
              "The blob store failed."},
    ErrorInfo{K::Cache, "CacheError", 503, C::Dependency, true, "The cache failed."},
    ErrorInfo{K::KeyProvider, "KeyProviderError", 503, C::Dependency, true,
              "The key provider (keyring or HSM) failed."},
    ErrorInfo{K::CircuitOpen, "CircuitOpenError", 503, C::Dependency, true,
              "A circuit breaker is open for a dependency; failing fast."},
    ErrorInfo{K::Transient, "TransientError", 503, C::Transient, true,
              "A temporary failure; the same request may succeed later."},
    ErrorInfo{K::Timeout, "TimeoutError", 504, C::Transient, true,
              "An operation did not finish within its timeout."},
    ErrorInfo{K::ServiceUnavailable, "ServiceUnavailableError", 503, C::Transient, true,
              "The server is starting or shutting down."},
    ErrorInfo{K::Overloaded, "OverloadedError", 503, C::Transient, true,
              "A bulkhead is full; the request was rejected fast."},
    ErrorInfo{K::DeadlineExceeded, "DeadlineExceededError", 504, C::Transient, true,
              "The request deadline passed before the work could finish."},
    ErrorInfo{K::MaintenanceMode, "MaintenanceModeError", 503, C::Transient, true,
              "The server is in read-only (maintenance) mode: writes are refused, reads go on."},
    ErrorInfo{K::BusinessRuleViolation, "BusinessRuleViolationError", 400, C::Business, false,
              "The request is well-formed but violates a rule of the dataset or tenant."},
    ErrorInfo{K::DatasetArchived, "DatasetArchivedError", 409, C::Business, false,
              "The dataset is archived: restore it before writing."},
    ErrorInfo{K::QuotaExceeded, "QuotaExceededError", 403, C::Business, false,
              "A tenant quota would be exceeded."},
    ErrorInfo{K::Security, "SecurityError", 500, C::Security, false,
              "A security check failed."},
    ErrorInfo{K::Encryption, "EncryptionError", 500, C::Security, false,
              "Encryption or key handling failed."},
    ErrorInfo{K::KeyRetrieval, "KeyRetrievalError", 500, C::Security, true,
              "A key could not be retrieved or unwrapped from the key provider."},
    ErrorInfo{K::EncryptionOperation, "EncryptionOperationError", 500, C::Security, false,
              "An encryption operation failed."},
    ErrorInfo{K::DecryptionOperation, "DecryptionOperationError", 500, C::Security, false,
              "A ciphertext failed authentication or could not be decrypted."},
    ErrorInfo{K::Integrity, "IntegrityError", 500, C::Security, false,
              "Stored data or the audit chain failed an integrity check."},
    ErrorInfo{K::Unknown, "UnknownError", 500, C::Unknown, false,
              "An unclassified failure (an exception escaped a handler)."},
};

}  // namespace

std::span<const ErrorInfo> error_table() { return kTable; }

const ErrorInfo& error_info(ErrorKind kind) {
  for (const auto& e : kTable)
    if (e.kind == kind) return e;
  return kTable.back();  // Unknown
}

std::string error_code_string(ErrorKind kind) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "VAULT_ERR_%04u", static_cast<unsigned>(kind));
  return buf;
}

std::string_view category_name(ErrorCategory c) {
  switch (c) {
    case C::Client: return "client";
    case C::Server: return "server";
    case C::Dependency: return "dependency";
    case C::Transient: return "transient";
    case C::Business: return "business";
    case C::Security: return "security";
    case C::Unknown: return "unknown";
  }
  return "unknown";
}

std::string render_error_code_docs() {
  std::string out =
      "# Error codes\n\n"
      "Generated from `src/core/error.cpp` by `vault error-codes`; a test fails when this\n"
      "file and the table drift apart. Every error response has the shape\n\n"
      "```json\n"
      "{\"error\": {\"code\": \"VAULT_ERR_0021\", \"type\": \"DatasetNotFoundError\",\n"
      "  \"message\": \"...\", \"details\": {}, \"trace_id\": \"...\", \"span_id\": \"...\",\n"
      "  \"timestamp\": \"2026-01-01T00:00:00.000Z\", \"retry_after\": null,\n"
      "  \"documentation_url\": \"/docs/error-codes.md#vault_err_0021\"}}\n"
      "```\n\n"
      "Ranges: 0001-0999 client, 1000-1999 server, 2000-2999 dependency, "
      "3000-3999 transient,\n4000-4999 business, 5000-5999 security, 9000-9999 unknown.\n\n"
      "| code | type | HTTP | category | retryable | meaning |\n"
      "|---|---|---|---|---|---|\n";
  for (const auto& e : kTable) {
    out += "| " + error_code_string(e.kind) + " | " + std::string(e.type) + " | " +
           std::to_string(e.http_status) + " | " + std::string(category_name(e.category)) +
           " | " + (e.retryable ? "yes" : "no") + " | " + std::string(e.description) + " |\n";
  }
  return out;
}

namespace {

struct ErrorGroup {
  std::string_view name;
  bool (*member)(const ErrorInfo&);
};

constexpr ErrorGroup kGroups[] = {
    {"ClientError", [](const ErrorInfo& e) { return e.category == C::Client || e.category == C::Business; }},
    {"ServerError",
     [](const ErrorInfo& e) {
       return e.category == C::Server || e.category == C::Dependency || e.category == C::Transient ||
              e.category == C::Unknown;
     }},
    {"DependencyError", [](const ErrorInfo& e) { return e.category == C::Dependency; }},
    {"ConnectionError", [](const ErrorInfo& e) { return e.category == C::Dependency && e.kind != K::CircuitOpen; }},
    {"NetworkError", [](const ErrorInfo& e) { return e.category == C::Dependency && e.kind != K::CircuitOpen; }},
    {"TransientError", [](const ErrorInfo& e) { return e.category == C::Transient; }},
    {"TimeoutError", [](const ErrorInfo& e) { return e.kind == K::Timeout || e.kind == K::DeadlineExceeded; }},
    {"ServiceUnavailableError", [](const ErrorInfo& e) { return e.http_status == 503; }},
    {"RateLimitError", [](const ErrorInfo& e) { return e.http_status == 429; }},
    {"ValidationError", [](const ErrorInfo& e) { return e.http_status == 400 && e.category == C::Client; }},
    {"AuthenticationError", [](const ErrorInfo& e) { return e.http_status == 401; }},
    {"AuthorizationError", [](const ErrorInfo& e) { return e.kind == K::Authorization; }},
    {"NotFoundError", [](const ErrorInfo& e) { return e.http_status == 404; }},
    {"ConflictError", [](const ErrorInfo& e) { return e.http_status == 409; }},
    {"SecurityError", [](const ErrorInfo& e) { return e.category == C::Security; }},
    {"EncryptionError", [](const ErrorInfo& e) { return e.category == C::Security && e.kind != K::Integrity; }},
};

}  // namespace

bool dependency_unavailable(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::Database:
    case ErrorKind::Dependency:
    case ErrorKind::CircuitOpen:
    case ErrorKind::Timeout:
    case ErrorKind::ServiceUnavailable:
    case ErrorKind::Overloaded:
    case ErrorKind::Transient:
      return true;
    default:
      return false;
  }
}

bool error_is_a(ErrorKind kind, std::string_view cls) {
  const ErrorInfo& info = error_info(kind);
  if (info.type == cls) return true;
  for (const auto& g : kGroups)
    if (g.name == cls) return g.member(info);
  return false;
}

bool known_error_class(std::string_view cls) {
  for (const auto& g : kGroups)
    if (g.name == cls) return true;
  for (const auto& e : kTable)
    if (e.type == cls) return true;
  return false;
}

Error& Error::caused_by(const Error& cause) {
  details_["cause"] = error_code_string(cause.kind());
  return *this;
}

}  // namespace vault
