#pragma once
/// The HTTP/1.1 server (Boost.Beast inside; no Beast type in this header).
///
/// I/O threads parse, route and write; handlers run on a bounded worker
/// pool (full → 503 OverloadedError at once). Built in: GET /health/live,
/// /health/ready, /health/startup (no auth) and /metrics (on the API
/// listener: the metrics token or the platform admin key).
///
/// Per connection: at most max_connections open on the API listener;
/// beyond, 503 OverloadedError (Retry-After: 1) and close.
/// Per request, in order: X-Request-ID (echoed when acceptable, else
/// generated), traceparent (continued with a new span id and returned),
/// routing (404 / 405 + Allow), authentication and authorization from the
/// headers on the I/O thread (401 / 403 before any body byte is read or
/// 100 Continue sent; a pending body closes the connection), body limits
/// (413), the buffered-body budget (503), deadline = now + request_timeout,
/// the handler (on the worker pool unless inline). Every error is
/// error_response()'s shape. (These steps are the stages of the request
/// pipeline, listed in order in src/http/server_pipeline.cpp.)
///
/// Optional admin listener (admin_host non-empty; meant for loopback or a
/// private network): only the built-in routes, /metrics and health without
/// authentication; API routes are 404 there.
///
/// Metrics: vault_requests_total{method,endpoint,status},
/// vault_request_duration_seconds{method,endpoint},
/// vault_request_size_bytes{method,endpoint},
/// vault_response_size_bytes{method,endpoint}, vault_active_requests,
/// vault_active_connections, vault_max_connections,
/// vault_buffered_body_bytes, vault_unhandled_exceptions_total; endpoint =
/// route template or "unmatched". One access log line per request (logger "http").
#include "vault/core/clock.hpp"
#include "vault/core/error.hpp"
#include "vault/http/handler.hpp"
#include "vault/http/router.hpp"
#include "vault/observability/health.hpp"
#include "vault/observability/logger.hpp"
#include "vault/observability/metrics.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace vault::resilience {
class Bulkhead;
class Admission;
}
namespace vault::domain {
class OperatingMode;
}
namespace vault::obs {
class SloTracker;
class Tracer;
}

namespace vault::http {

struct ServerOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8080;  ///< 0: any free port (see bound_port())
  int io_threads = 2;
  int worker_threads = 16;
  int worker_queue_limit = 4096;                 ///< queued requests beyond the busy workers
  std::int64_t max_body_bytes = 16 << 20;        ///< buffered bodies; streamed bodies are unlimited
  std::uint32_t max_header_bytes = 16 << 10;
  std::chrono::milliseconds request_timeout{30000};  ///< the handler deadline (timeouts.request)
  std::chrono::milliseconds header_timeout{5000};    ///< receiving a request head once its first byte may come
  std::chrono::milliseconds read_timeout{30000};     ///< receiving a buffered request body
  std::chrono::milliseconds write_timeout{30000};    ///< sending a buffered response
  std::chrono::milliseconds chunk_timeout{30000};    ///< each piece of a streamed body, either way
  std::chrono::milliseconds idle_timeout{60000};     ///< keep-alive connection without a request
  std::chrono::milliseconds shutdown_timeout{30000}; ///< drain limit for in-flight requests
  /// After shutdown(): keep accepting and serving this long (answers with
  /// Connection: close, readiness 503) before closing the listener.
  std::chrono::milliseconds drain_delay{0};
  int max_connections = 1024;  ///< open API-listener connections; beyond: 503 and close
  std::int64_t max_buffered_body_bytes = 256 << 20;  ///< all buffered request bodies together; beyond: 503
  std::string metrics_token;   ///< bearer secret for /metrics on the API listener; "" = platform admin key only
  std::string admin_host;      ///< admin listener (built-in routes, no auth); "" = none
  std::uint16_t admin_port = 0;  ///< 0: any free port (see admin_bound_port())
  /// Per-tenant and global token buckets for authenticated API requests
  /// (429); null = no limits. Must outlive the server.
  resilience::Admission* rate_limiter = nullptr;
  /// The api_requests bulkhead (spec 3.3) of handlers run on the worker
  /// pool: admitted at dispatch (full → 503 OverloadedError, Retry-After),
  /// started on a worker (waited longer than its timeout → 503). The
  /// built-ins (probes, /metrics) are outside it. Null = only the pool's
  /// queue limit applies. Must outlive the server.
  resilience::Bulkhead* api_bulkhead = nullptr;
  /// Routes marked run_inline run on the I/O thread only while this says
  /// the dependencies answer quickly (no fault set, no breaker open) and no
  /// inline run was slow lately; else on the worker pool, so a slow store
  /// cannot hold the I/O threads (and the probes behind them). Empty = yes.
  std::function<bool()> dependencies_fast;
  /// Read-only / degraded mode (writes 503); null = always writable. Must outlive the server.
  const domain::OperatingMode* mode = nullptr;
  /// Counts every answered API request (not probes, not /metrics) for the
  /// SLOs; null = not measured. Must outlive the server.
  obs::SloTracker* slo = nullptr;
  /// Server span per request, child spans per dependency call, sampled and
  /// exported (spec 6.3); null = no spans. Must outlive the server.
  obs::Tracer* tracer = nullptr;
};

class Server {
 public:
  /// The router, health registry, metrics registry, logger and clock must
  /// outlive the server; the router must be complete before start(). `clock`
  /// decides request deadlines and when idle connections may be reclaimed.
  Server(ServerOptions options, Router& router, Authenticator authenticator, obs::HealthRegistry& health,
         metrics::Registry& metrics, obs::Logger& logger, const Clock& clock = system_clock());
  ~Server();  ///< shutdown() + wait()
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  /// Binds, listens and starts the I/O and worker threads. ConfigurationError
  /// when the address cannot be bound (or start() was already called).
  Status start();
  /// The port actually bound (after a successful start()).
  std::uint16_t bound_port() const;
  /// The admin listener's port; 0 when there is none.
  std::uint16_t admin_bound_port() const;
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
