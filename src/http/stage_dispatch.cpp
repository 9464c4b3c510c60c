// The last stage: the handler, inline or on the worker pool.
#include "http/dispatch.hpp"
#include "http/exchange.hpp"
#include "http/stages.hpp"

#include <optional>
#include <stdexcept>

namespace vault::http {
namespace {

/// Runs a non-streaming handler here and now; every outcome is a response.
Response run_here(const Route& route, Request& req, const DispatchDeps& deps) {
  try {
    Response r = call_handler(route, req);
    if (r.stream) throw std::logic_error("inline route returned a stream");
    return r;
  } catch (...) {
    return response_for_current_exception(req.ctx, deps);
  }
}

Response pool_full(const RequestContext& ctx) {
  Error e(ErrorKind::Overloaded, "the server is overloaded; retry later");
  e.with_retry_after(1);
  return error_response(e, ctx);
}

}  // namespace

boost::asio::awaitable<bool> Dispatch::serve(Call& call, Next) const {
  const Route* route = call.record.route;
  const bool streaming = route->options.stream_request;
  if (call.record.tracing)
    call.record.trace = std::make_shared<obs::TraceCollector>(call.record.ctx.trace_id, call.record.ctx.span_id,
                                                              call.record.ctx.trace_state);
  // Cheap built-ins and short single-read routes run on the I/O thread
  // (the latter while the dependencies are quick).
  const bool builtin_inline = run_inline_(route);
  const bool route_inline = !builtin_inline && route->options.run_inline && !streaming &&
                            clock_.steady_now().time_since_epoch().count() >= inline_paused_until_.load() &&
                            (!fast_ || fast_());
  if (builtin_inline || route_inline) {
    Response r;
    const auto t0 = clock_.steady_now();
    {
      obs::TraceScope trace(call.record.trace.get());
      r = run_here(*route, call.req, deps_);
    }
    if (route_inline) {
      const auto t1 = clock_.steady_now();
      if (t1 - t0 > kSlowInline) inline_paused_until_.store((t1 + kInlinePause).time_since_epoch().count());
    }
    co_return co_await call.io.respond(call, std::move(r), AfterAnswer::KeepIfNoBody);
  }
  std::optional<resilience::Bulkhead::Ticket> place;
  if (api_ && !(outside_api_ && outside_api_(route))) {
    auto admitted = api_->admit();
    if (!admitted) {
      co_return co_await call.io.respond(call, error_response(admitted.error(), call.record.ctx),
                                         AfterAnswer::DrainIfClosing);
    }
    place.emplace(std::move(*admitted));
  }
  auto ex = std::make_shared<Exchange>(std::move(call.req), streaming ? kPieceBytes : 0, clock_);
  WorkerPool::Job job = [ex, route, deps = &deps_, trace = call.record.trace, place = std::move(place)]() mutable {
    if (place) {
      const auto& ctx = ex->request().ctx;
      std::optional<std::chrono::steady_clock::time_point> deadline;
      if (!route->options.stream_request && ctx.deadline != std::chrono::steady_clock::time_point{})
        deadline = ctx.deadline;
      if (Status s = place->start(deadline); !s) {
        ex->complete(error_response(s.error(), ctx));
        return;
      }
    }
    obs::TraceScope scope(trace.get());
    run_route(*route, *ex, *deps);
  };
  if (!submit_(job)) {
    co_return co_await call.io.respond(call, pool_full(call.record.ctx), AfterAnswer::DrainIfClosing);
  }
  co_return co_await call.io.exchange(call, ex);
}

}  // namespace vault::http
