#pragma once
/// The HTTP/1.1 server (Boost.Beast inside; no Beast type in this header).
///
/// I/O threads parse, route and write; handlers run on a bounded worker
/// pool (full → 503 OverloadedError at once). Built in, without auth:
/// GET /health/live, /health/ready, /health/startup, /metrics.
///
/// Per request, in order: X-Request-ID (echoed when acceptable, else
/// generated), traceparent (continued with a new span id and returned),
/// routing (404 / 405 + Allow), body limits (413), authentication and
/// authorization on the worker (401 / 403), deadline = now +
/// request_timeout, the handler. Every error is error_response()'s shape.
/// Metrics: vault_requests_total{method,endpoint,status},
/// vault_request_duration_seconds{method,endpoint},
/// vault_request_size_bytes{method,endpoint},
/// vault_response_size_bytes{method,endpoint}, vault_active_requests,
/// vault_unhandled_exceptions_total; endpoint = route template or "unmatched".
/// One access log line per request (logger "http").
#include "vault/core/error.hpp"
#include "vault/http/handler.hpp"
#include "vault/http/router.hpp"
#include "vault/observability/health.hpp"
#include "vault/observability/logger.hpp"
#include "vault/observability/metrics.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

namespace vault::http {

struct ServerOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8080;  ///< 0: any free port (see bound_port())
  int io_threads = 2;
  int worker_threads = 16;
  int worker_queue_limit = 4096;                 ///< queued requests beyond the busy workers
  std::int64_t max_body_bytes = 16 << 20;        ///< buffered bodies; streamed bodies are unlimited
  std::uint32_t max_header_bytes = 16 << 10;
  std::chrono::milliseconds request_timeout{30000};  ///< reading a request / writing a response; the handler deadline
  std::chrono::milliseconds idle_timeout{60000};     ///< keep-alive connection without a request
  std::chrono::milliseconds shutdown_timeout{30000}; ///< drain limit for in-flight requests
};

class Server {
 public:
  /// The router, health registry, metrics registry and logger must outlive
  /// the server; the router must be complete before start().
  Server(ServerOptions options, Router& router, Authenticator authenticator, obs::HealthRegistry& health,
         metrics::Registry& metrics, obs::Logger& logger);
  ~Server();  ///< shutdown() + wait()
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  /// Binds, listens and starts the I/O and worker threads. ConfigurationError
  /// when the address cannot be bound (or start() was already called).
  Status start();
  /// The port actually bound (after a successful start()).
  std::uint16_t bound_port() const;
  /// Blocks until the server has stopped (after shutdown()).
  void wait();
  /// Graceful stop; thread-safe and idempotent (e.g. from a signal
  /// thread): readiness turns 503 at once, the listener closes, idle
  /// connections close, in-flight requests finish (at most
  /// shutdown_timeout, then connections are cut), then everything stops.
  void shutdown();
  bool shutting_down() const;

 private:
  struct Impl;
  friend class Connection;  // internal (src/http/connection.cpp)
  std::unique_ptr<Impl> impl_;
};

}  // namespace vault::http
