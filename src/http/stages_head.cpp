// The stages that look only at the request head: counting, ids and trace,
// deadline, routing, authorization.
#include "http/request_head.hpp"
#include "http/stages.hpp"

#include <boost/json/array.hpp>

namespace vault::http {
namespace {

Response method_not_allowed(const std::string& method, const std::string& allow, const RequestContext& ctx) {
  boost::json::array allowed;
  for (std::string_view a = allow; !a.empty();) {
    auto comma = a.find(", ");
    allowed.emplace_back(a.substr(0, comma));
    a = comma == std::string_view::npos ? std::string_view{} : a.substr(comma + 2);
  }
  Response r = error_response(Error(ErrorKind::MethodNotAllowed, "method " + method + " is not allowed on this route",
                                    boost::json::object{{"allow", std::move(allowed)}}),
                              ctx);
  r.with_header("Allow", allow);
  return r;
}

struct ActiveGuard {
  metrics::Gauge& g;
  explicit ActiveGuard(metrics::Gauge& gauge) : g(gauge) { g.inc(); }
  ~ActiveGuard() { g.dec(); }
  ActiveGuard(const ActiveGuard&) = delete;
  ActiveGuard& operator=(const ActiveGuard&) = delete;
};

}  // namespace

boost::asio::awaitable<bool> CountActive::serve(Call& call, Next next) const {
  ActiveGuard active(gauge_of_(call));
  co_return co_await next();
}

std::optional<Answer> ReadHead::check(Call& call) const {
  RequestHead rh = read_request_head(call.head);
  call.req = std::move(rh.req);
  call.raw_path = std::move(rh.raw_path);
  call.expect_continue = rh.expect_continue;
  call.record.ctx = call.req.ctx;
  call.record.method = call.req.method;
  call.record.trace_flags = rh.trace_flags;
  if (!rh.error) return std::nullopt;
  return Answer{error_response(*rh.error, call.record.ctx), AfterAnswer::KeepIfNoBody};
}

std::optional<Answer> SetDeadline::check(Call& call) const {
  call.req.ctx.deadline = clock_.steady_now() + timeout_;
  call.record.ctx.deadline = call.req.ctx.deadline;
  return std::nullopt;
}

std::optional<Answer> RouteRequest::check(Call& call) const {
  RouteMatch m = route_request(builtin_, api_, call.record.method, call.raw_path);
  if (m.kind == RouteMatch::Kind::NotFound) {
    Error e(ErrorKind::RouteNotFound, "no route matches the request path",
            boost::json::object{{"path", call.req.path}});
    return Answer{error_response(e, call.record.ctx), AfterAnswer::KeepIfNoBody};
  }
  if (m.kind == RouteMatch::Kind::MethodNotAllowed) {
    return Answer{method_not_allowed(call.record.method, m.allow, call.record.ctx), AfterAnswer::KeepIfNoBody};
  }
  call.record.route = m.route;
  call.record.endpoint = m.route->pattern;
  call.req.path_params = std::move(m.params);
  return std::nullopt;
}

std::optional<Answer> Authorize::check(Call& call) const {
  std::optional<Response> denied;
  try {
    if (Status s = authenticate_(call.req, *call.record.route); !s) denied = error_response(s.error(), call.record.ctx);
  } catch (...) {
    denied = response_for_current_exception(call.record.ctx, deps_);
  }
  call.record.ctx.tenant_id = call.req.ctx.tenant_id;  // known when authorization (not authentication) failed
  if (!denied) return std::nullopt;
  return Answer{std::move(*denied), AfterAnswer::DrainIfBody};
}

}  // namespace vault::http
