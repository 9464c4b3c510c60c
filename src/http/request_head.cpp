#include "http/request_head.hpp"
#include "http/ascii.hpp"

#include "vault/observability/trace.hpp"

namespace vault::http {

RequestHead read_request_head(const boost::beast::http::request_header<>& head) {
  RequestHead h;
  Request& req = h.req;
  req.method.assign(head.method_string());
  req.target.assign(head.target());

  // X-Request-ID and traceparent.
  if (auto it = head.find("x-request-id"); it != head.end() && obs::is_acceptable_request_id(it->value())) {
    req.ctx.request_id.assign(it->value());
  } else {
    req.ctx.request_id = obs::new_request_id();
  }
  if (auto it = head.find("traceparent"); it != head.end()) {
    if (auto tp = obs::parse_traceparent(it->value())) {
      req.ctx.trace_id = std::move(tp->trace_id);
      req.ctx.parent_span_id = std::move(tp->parent_id);
      h.trace_flags = tp->flags;
      if (auto ts = head.find("tracestate"); ts != head.end() && obs::is_acceptable_tracestate(ts->value()))
        req.ctx.trace_state.assign(ts->value());
    }
  }
  if (req.ctx.trace_id.empty()) req.ctx.trace_id = obs::new_trace_id();
  req.ctx.span_id = obs::new_span_id();

  req.headers.reserve(16);
  for (const auto& f : head) {
    std::string name(f.name_string());
    for (char& c : name) {
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    if (name == "expect" && iequals(f.value(), "100-continue")) h.expect_continue = true;
    req.headers.emplace_back(std::move(name), std::string(f.value()));
  }

  std::string_view target = req.target;
  if (target.empty() || target[0] != '/') {
    h.error = Error(ErrorKind::MalformedRequest, "request target must be an absolute path");
    return h;
  }
  auto qpos = target.find('?');
  h.raw_path.assign(target.substr(0, qpos));
  if (!percent_decode(h.raw_path, req.path) ||
      (qpos != std::string_view::npos && !parse_query(target.substr(qpos + 1), req.query))) {
    h.error = Error(ErrorKind::MalformedRequest, "invalid percent-encoding in the request target");
  }
  return h;
}

RouteMatch route_request(const Router& builtin, const Router* api, std::string_view method,
                         std::string_view raw_path) {
  RouteMatch m = builtin.match(method, raw_path);
  if (m.kind == RouteMatch::Kind::NotFound && api) m = api->match(method, raw_path);
  return m;
}

}  // namespace vault::http
