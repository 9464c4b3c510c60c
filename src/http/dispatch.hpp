#pragma once
/// What a worker thread does with one request: authentication,
/// authorization, the handler, and turning every outcome — including any
/// exception — into a response on the Exchange. Asio-free.
#include "http/exchange.hpp"
#include "vault/http/router.hpp"
#include "vault/observability/logger.hpp"
#include "vault/observability/metrics.hpp"

#include <exception>

namespace vault::http {

struct DispatchDeps {
  const Authenticator* authenticator = nullptr;  ///< null or empty: every authenticated route is 401
  const obs::Logger* logger = nullptr;
  metrics::Counter* unhandled_exceptions = nullptr;
};

/// Runs `route` for the request held by `ex`. Never throws.
void run_route(const Route& route, Exchange& ex, const DispatchDeps& deps) noexcept;

/// Authenticates and authorizes `req` for `opts`, filling req.ctx.
Status authorize(Request& req, const RouteOptions& opts, const Authenticator* authenticator);

/// The response for the exception in flight (call inside a catch block):
/// VaultException → its error; anything else → 500 UnknownError, logged
/// with the trace id and counted.
Response response_for_current_exception(const RequestContext& ctx, const DispatchDeps& deps) noexcept;

}  // namespace vault::http
