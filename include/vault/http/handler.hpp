#pragma once
/// The contract between the HTTP server (Beast, inside src/http/server*) and
/// the route handlers. No Boost.Beast type appears here, so handlers compile
/// without Beast headers.
///
/// Handlers run on a worker thread (never on an I/O thread) and may block.
/// A handler returns a Response or throws VaultException (rendered as that
/// error) — any other exception becomes a 500 UnknownError (VAULT_ERR_9999),
/// is logged with the trace id, counted, and the server keeps serving.
#include "vault/core/error.hpp"
#include "vault/storage/types.hpp"

#include <boost/json/value.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace vault::http {

/// Who is calling, and the trace it belongs to.
struct RequestContext {
  std::string trace_id;        ///< 32 hex chars (from traceparent or new)
  std::string span_id;         ///< 16 hex chars, this server's span
  std::string parent_span_id;  ///< from traceparent, may be empty
  std::string trace_state;     ///< the caller's W3C tracestate (with a valid traceparent), kept on our spans
  std::string request_id;      ///< X-Request-ID (echoed) or generated
  std::string tenant_id;       ///< set after authentication
  std::string api_key_id;
  storage::Role role = storage::Role::Reader;
  bool platform_admin = false;  ///< admin key of the system tenant
  std::vector<std::string> permissions;  ///< extra grants of the API key
  std::chrono::steady_clock::time_point deadline;
};

/// Streaming request body (routes with stream_request). Blocking.
class BodySource {
 public:
  virtual ~BodySource() = default;
  /// The next chunk of the body, or nullopt at its end. The view is valid
  /// until the next call. Throws VaultException (PayloadTooLarge, Timeout,
  /// MalformedRequest) when the body cannot be read.
  virtual std::optional<std::string_view> read() = 0;
};

/// Streaming response body (Response::stream). Blocking, with back-pressure.
class BodySink {
 public:
  virtual ~BodySink() = default;
  /// Sends one chunk. Throws when the client has gone away.
  virtual void write(std::string_view chunk) = 0;
};

struct Request {
  std::string method;  ///< "GET", "POST", ...
  std::string target;  ///< raw target, with query
  std::string path;    ///< percent-decoded path, no query
  std::map<std::string, std::string> query;        ///< decoded query parameters
  std::map<std::string, std::string> path_params;  ///< from the route template, e.g. {id}
  std::vector<std::pair<std::string, std::string>> headers;  ///< names lower-cased
  std::string body;                    ///< whole body, unless the route streams it
  BodySource* body_stream = nullptr;   ///< set only for stream_request routes
  RequestContext ctx;

  /// Case-insensitive header lookup (first value).
  std::optional<std::string> header(std::string_view name) const;
  /// Query parameter or nullopt.
  std::optional<std::string> param(const std::string& name) const;
};

struct Response {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string content_type = "application/json";
  std::string body;
  /// When set, the body is produced by this function with chunked transfer
  /// encoding and `body` is ignored. Errors thrown after the first chunk was
  /// sent abort the connection (the status line is already out).
  std::function<void(BodySink&)> stream;

  static Response json(int status, const boost::json::value& v);
  static Response empty(int status);
  Response& with_header(std::string name, std::string value) {
    headers.emplace_back(std::move(name), std::move(value));
    return *this;
  }
};

/// Renders the spec's error body: {"error": {code, type, message, details,
/// trace_id, span_id, timestamp, retry_after, documentation_url}}, with the
/// error's HTTP status and, for retry_after, a Retry-After header.
Response error_response(const Error& e, const RequestContext& ctx);
/// The spec's error object (the value of "error" in an error response), for
/// per-item errors inside batch responses.
boost::json::object error_object(const Error& e, const RequestContext& ctx);

using Handler = std::function<Response(Request&)>;

struct RouteOptions {
  bool authenticated = true;          ///< requires Authorization: Bearer
  storage::Role min_role = storage::Role::Reader;
  bool stream_request = false;        ///< body delivered through body_stream
  bool admin_only = false;            ///< platform admin (role admin of the bootstrap tenant)
  /// Runs authentication and the handler on the I/O thread instead of the
  /// worker pool, saving two thread hand-offs. Only for short handlers that
  /// do at most one indexed read and never stream (single-resource GETs):
  /// the I/O thread is blocked while they run.
  bool run_inline = false;
  /// A POST that changes no state (detection, transit encryption): served in
  /// read-only mode like GET and HEAD. Every other write answers 503
  /// MaintenanceModeError there.
  bool read_only_safe = false;
};

/// Result of authenticating a bearer token.
struct Principal {
  std::string tenant_id;
  std::string api_key_id;
  storage::Role role = storage::Role::Reader;
  bool platform_admin = false;  ///< admin key of the system tenant
  std::vector<std::string> permissions;
};
/// Given the raw bearer secret, returns the principal or an
/// AuthenticationError. Provided by the domain layer when wiring.
using Authenticator = std::function<Result<Principal>(std::string_view bearer)>;

}  // namespace vault::http
