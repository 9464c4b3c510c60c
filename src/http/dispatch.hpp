#pragma once
/// What a worker thread does with one request: the handler, and turning
/// every outcome — including any exception — into a response on the
/// Exchange. Authentication and authorization happened before, on the I/O
/// thread, from the headers (authorize.hpp). Asio-free.
#include "http/authorize.hpp"
#include "http/exchange.hpp"
#include "vault/http/router.hpp"
#include "vault/observability/logger.hpp"
#include "vault/observability/metrics.hpp"

#include <exception>

namespace vault::http {

struct DispatchDeps {
  const obs::Logger* logger = nullptr;
  metrics::Counter* unhandled_exceptions = nullptr;
};

/// Runs `route` for the request held by `ex`, whose principal (req.ctx) the
/// caller has already established with authorize(). Never throws.
void run_route(const Route& route, Exchange& ex, const DispatchDeps& deps) noexcept;

/// Runs the route's handler on this thread, and marks a response that used
/// a copy from the read cache (core/stale_reads.hpp): `X-Vault-Stale: true`
/// and `Age` (seconds, of the oldest copy). Throws what the handler throws.
Response call_handler(const Route& route, Request& req);

/// The response for the exception in flight (call inside a catch block):
/// VaultException → its error; anything else → 500 UnknownError, logged
/// with the trace id and counted.
Response response_for_current_exception(const RequestContext& ctx, const DispatchDeps& deps) noexcept;

}  // namespace vault::http
