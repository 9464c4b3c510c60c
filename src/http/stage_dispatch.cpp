// The last stage: the handler, inline or on the worker pool.
#include "http/exchange.hpp"
#include "http/stages.hpp"

#include <stdexcept>

namespace vault::http {
namespace {

/// Runs a non-streaming handler here and now; every outcome is a response.
Response run_here(const Route& route, Request& req, const DispatchDeps& deps) {
  try {
    Response r = route.handler(req);
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
    call.record.trace = std::make_shared<obs::TraceCollector>(call.record.ctx.trace_id, call.record.ctx.span_id);
  // Cheap built-ins and short single-read routes run on the I/O thread.
  if (run_inline_(route) || (route->options.run_inline && !streaming)) {
    Response r;
    {
      obs::TraceScope trace(call.record.trace.get());
      r = run_here(*route, call.req, deps_);
    }
    co_return co_await call.io.respond(call, std::move(r), AfterAnswer::KeepIfNoBody);
  }
  auto ex = std::make_shared<Exchange>(std::move(call.req), streaming ? kPieceBytes : 0, clock_);
  WorkerPool::Job job = [ex, route, deps = &deps_, trace = call.record.trace] {
    obs::TraceScope scope(trace.get());
    run_route(*route, *ex, *deps);
  };
  if (!submit_(job)) {
    co_return co_await call.io.respond(call, pool_full(call.record.ctx), AfterAnswer::DrainIfClosing);
  }
  co_return co_await call.io.exchange(call, ex);
}

}  // namespace vault::http
