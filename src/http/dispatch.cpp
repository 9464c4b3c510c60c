#include "http/dispatch.hpp"

#include "vault/core/stale_reads.hpp"

namespace vault::http {
namespace {

Response internal_error(const RequestContext& ctx) {
  return error_response(Error(ErrorKind::Unknown, "an unexpected error occurred"), ctx);
}

/// When even building the error failed (out of memory): a minimal 500.
[[gnu::noinline]] Response fallback_error() noexcept {
  Response r;
  r.status = 500;
  r.body = "{\"error\":{\"code\":\"VAULT_ERR_9999\",\"type\":\"UnknownError\"}}";
  return r;
}

}  // namespace

Response response_for_current_exception(const RequestContext& ctx, const DispatchDeps& deps) noexcept {
  try {
    try {
      throw;
    } catch (const VaultException& e) {
      return error_response(e.error(), ctx);
    } catch (const std::exception& e) {
      if (deps.unhandled_exceptions) deps.unhandled_exceptions->inc();
      if (deps.logger) {
        deps.logger->error("unhandled exception in handler", {{"exception", e.what()}},
                           {ctx.trace_id, ctx.span_id, ctx.tenant_id});
      }
      return internal_error(ctx);
    } catch (...) {
      if (deps.unhandled_exceptions) deps.unhandled_exceptions->inc();
      if (deps.logger) {
        deps.logger->error("unhandled exception in handler", {{"exception", "non-standard exception"}},
                           {ctx.trace_id, ctx.span_id, ctx.tenant_id});
      }
      return internal_error(ctx);
    }
  } catch (...) {
    return fallback_error();
  }
}

Response call_handler(const Route& route, Request& req) {
  stale_reads::reset();
  Response res = route.handler(req);
  if (auto age = stale_reads::oldest()) {
    res.with_header("X-Vault-Stale", "true");
    res.with_header("Age", std::to_string(age->count()));
  }
  return res;
}

void run_route(const Route& route, Exchange& ex, const DispatchDeps& deps) noexcept {
  Request& req = ex.request();
  // The domain sees the deadline and the client's departure through the
  // thread's current Cancellation. Streamed uploads (import) have no overall
  // deadline (each body read has its own timeout); they stop when the
  // client goes away. An unset (zero) deadline means none.
  using TimePoint = Cancellation::Clock::time_point;
  const bool no_deadline = route.options.stream_request || req.ctx.deadline == TimePoint{};
  ex.cancellation().set_deadline(no_deadline ? TimePoint::max() : req.ctx.deadline);
  CancellationScope cancellation_scope(&ex.cancellation());
  Response res;
  try {
    if (route.options.stream_request) req.body_stream = &ex.body_source();
    res = call_handler(route, req);
  } catch (...) {
    ex.complete(response_for_current_exception(req.ctx, deps));
    return;
  }
  if (!res.stream) {
    ex.complete(std::move(res));
    return;
  }
  auto stream = std::move(res.stream);
  res.stream = nullptr;
  res.body.clear();
  ex.begin_stream(std::move(res));
  try {
    stream(ex.body_sink());
  } catch (...) {
    if (ex.stream_started() || ex.gone()) {
      if (!ex.gone()) (void)response_for_current_exception(req.ctx, deps);  // logs and counts
      ex.abort_stream();
    } else {
      ex.complete(response_for_current_exception(req.ctx, deps));
    }
    return;
  }
  ex.end_stream();
}

}  // namespace vault::http
