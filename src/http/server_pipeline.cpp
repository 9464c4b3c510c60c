// The request pipeline of each listener, in order: the one place that says
// what happens to a request between its head and its answer. Each stage's
// contract is in stages.hpp.
#include "http/server_impl.hpp"
#include "http/stages.hpp"

namespace vault::http {

Pipeline Server::Impl::build_pipeline(Listener listener) {
  Impl& srv = *this;
  const Router* api = listener == Listener::Api ? &srv.router : nullptr;  // the admin listener: built-ins only
  std::vector<std::unique_ptr<Stage>> stages;
  // 1. Request id, trace context, headers, target (400).
  stages.push_back(std::make_unique<ReadHead>());
  // 2. The handler's deadline: now + request_timeout.
  stages.push_back(std::make_unique<SetDeadline>(srv.opts.request_timeout, srv.clock));
  // 3. Routing (404 / 405).
  stages.push_back(std::make_unique<RouteRequest>(srv.builtin, api));
  // 4. vault_active_requests{method, endpoint} counts the request while it is served.
  stages.push_back(std::make_unique<CountActive>([&srv](const Call& call) -> metrics::Gauge& {
    return *srv.route_metrics(call.record.route, call.record.method, call.record.endpoint).active;
  }));
  // 5. Authentication and authorization from the headers (401 / 403), before any body byte.
  stages.push_back(std::make_unique<Authorize>(
      [&srv, listener](Request& req, const Route& route) { return srv.authenticate(req, route, listener); },
      srv.deps));
  // 5a. Rate limits per tenant and global (429), before any body byte.
  if (srv.opts.rate_limiter) stages.push_back(std::make_unique<RateLimit>(*srv.opts.rate_limiter));
  // 5b. Read-only / degraded mode: writes refused (503).
  if (srv.opts.mode) stages.push_back(std::make_unique<WriteGate>(*srv.opts.mode));
  // 6. The body limit against the announced length (413).
  stages.push_back(std::make_unique<BodyLimit>(srv.opts.max_body_bytes));
  // 7. The share of the buffered-body budget, held to the end (503).
  stages.push_back(std::make_unique<ReserveBody>(srv.body_budget, *srv.buffered_body_bytes));
  // 8. 100 Continue and the buffered body (413 / 400 / 503).
  stages.push_back(std::make_unique<ReadBody>());
  // 9. The handler: inline or on the worker pool (503 when full).
  stages.push_back(std::make_unique<Dispatch>(
      [&srv](const Route* r) { return srv.is_inline(r) || (r == srv.ready_route && srv.shutting_down.load()); },
      [&srv](WorkerPool::Job& job) { return srv.pool->try_submit(job); }, srv.deps, srv.clock,
      srv.opts.api_bulkhead, srv.opts.dependencies_fast,
      [&srv](const Route* r) { return r == srv.ready_route; }));
  return Pipeline(std::move(stages));
}

}  // namespace vault::http
