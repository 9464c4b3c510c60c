// libFuzzer target for what vaultd's HTTP connection does with raw request
// bytes, without sockets (src/http/connection.cpp's steps, in its order):
//   1. Beast parses the head (header limit 16 KiB, as the server sets it);
//   2. read_request_head(): request id, traceparent, lower-cased headers,
//      Expect: 100-continue, target → percent-decoded path and query;
//   3. routing against the built-in routes and the API's route templates;
//   4. the authentication stage from the headers (bearer parsing, /metrics
//      token) and the Content-Type media-type match;
//   5. the body as the server buffers it (string_body, 1 MiB limit,
//      Content-Length or chunked), charged to a BodyBudget as it grows.
// Invariants checked (abort on violation): lower-cased header names; a
// decoded path re-encodes and decodes to itself; a continued trace id is
// valid and round-trips through traceparent; found routes match the method
// and have decoded parameters; the metrics token is accepted only when it is
// the bearer; a matched media type is exactly the expected one; a finished
// body has its announced length and never exceeds the limit; the budget is
// back to zero afterwards.
#include "http/authorize.hpp"
#include "http/body_budget.hpp"
#include "http/media_type.hpp"
#include "http/request_head.hpp"

#include "vault/observability/trace.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

namespace {

namespace http = boost::beast::http;
using namespace vault::http;

constexpr std::size_t kBodyLimit = 1 << 20;
constexpr std::string_view kMetricsToken = "metrics-token-0123456789";

const Router& builtin_router() {
  static const Router r = [] {
    Router rt;
    RouteOptions open;
    open.authenticated = false;
    for (const char* p : {"/health/live", "/health/ready", "/health/startup", "/metrics"})
      rt.add("GET", p, [](Request&) { return Response::empty(200); }, open);
    return rt;
  }();
  return r;
}

const Router& api_router() {
  static const Router r = [] {
    Router rt;
    auto h = [](Request&) { return Response::empty(204); };
    RouteOptions writer;
    writer.min_role = vault::storage::Role::Writer;
    RouteOptions stream = writer;
    stream.stream_request = true;
    RouteOptions admin;
    admin.admin_only = true;
    rt.add("GET", "/api/v1/datasets", h);
    rt.add("POST", "/api/v1/datasets", h, writer);
    rt.add("GET", "/api/v1/datasets/{id}", h, RouteOptions{.run_inline = true});
    rt.add("PATCH", "/api/v1/datasets/{id}", h, writer);
    rt.add("DELETE", "/api/v1/datasets/{id}", h, writer);
    rt.add("POST", "/api/v1/datasets/{id}:archive", h, writer);
    rt.add("POST", "/api/v1/datasets/{id}:restore", h, writer);
    rt.add("GET", "/api/v1/datasets/{id}/records", h);
    rt.add("POST", "/api/v1/datasets/{id}/records", h, writer);
    rt.add("GET", "/api/v1/datasets/{id}/records/{rid}", h);
    rt.add("POST", "/api/v1/datasets/{id}/records/{rid}:release", h, writer);
    rt.add("POST", "/api/v1/datasets/{id}/records:batch", h, writer);
    rt.add("GET", "/api/v1/datasets/{id}/records:export", h);
    rt.add("POST", "/api/v1/datasets/{id}/records:import", h, stream);
    rt.add("GET", "/api/v1/datasets/{id}/versions/{n}", h);
    rt.add("POST", "/api/v1/tenants", h, admin);
    rt.add("GET", "/api/v1/tenants/{id}", h, admin);
    rt.add("POST", "/api/v1/transit/encrypt/{name}", h, writer);
    rt.add("POST", "/api/v1/transit/datakey/{name}/{type}", h, writer);
    rt.add("POST", "/api/v1/transit/keys/{name}:rotate", h, writer);
    return rt;
  }();
  return r;
}

Authenticator fake_auth() {
  return [](std::string_view token) -> vault::Result<Principal> {
    if (token == "writer") return Principal{"tn_a", "key_w", vault::storage::Role::Writer, false, {}};
    if (token == "root") return Principal{"tn_s", "key_r", vault::storage::Role::Admin, true, {}};
    return vault::fail(vault::ErrorKind::Authentication, "invalid API key");
  };
}

bool is_lower(std::string_view s) {
  for (char c : s)
    if (c >= 'A' && c <= 'Z') return false;
  return true;
}

std::string encode_all(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    out += '%';
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out;
}

void check_head(const RequestHead& h, std::size_t field_count) {
  const Request& req = h.req;
  if (req.headers.size() != field_count) std::abort();
  for (const auto& [k, v] : req.headers)
    if (!is_lower(k)) std::abort();
  if (req.ctx.trace_id.size() != 32 || req.ctx.span_id.size() != 16 || req.ctx.request_id.empty()) std::abort();
  // A continued trace round-trips through the header we send back.
  auto tp = vault::obs::parse_traceparent(
      vault::obs::format_traceparent(req.ctx.trace_id, req.ctx.span_id, h.trace_flags));
  if (!tp || tp->trace_id != req.ctx.trace_id || tp->parent_id != req.ctx.span_id || tp->flags != h.trace_flags)
    std::abort();
  if (h.error) return;
  if (h.raw_path.empty() || h.raw_path[0] != '/') std::abort();
  std::string again;
  if (!percent_decode(encode_all(req.path), again) || again != req.path) std::abort();
}

void check_route(const RouteMatch& m, std::string_view method) {
  switch (m.kind) {
    case RouteMatch::Kind::Found:
      if (!m.route || m.route->method != method) std::abort();
      for (const auto& [k, v] : m.params)
        if (k.empty() || v.empty()) std::abort();
      break;
    case RouteMatch::Kind::MethodNotAllowed:
      if (m.allow.empty() || m.route) std::abort();
      break;
    case RouteMatch::Kind::NotFound:
      if (m.route) std::abort();
      break;
  }
}

void check_auth(const RequestHead& h, const RouteMatch& m) {
  static const Authenticator auth = fake_auth();
  Request a = h.req;
  const std::string_view bearer = bearer_token(a);
  Request metrics = h.req;
  vault::Status s = authorize_metrics(metrics, &auth, kMetricsToken);
  if (s && bearer != kMetricsToken && !metrics.ctx.platform_admin) std::abort();
  if (m.kind == RouteMatch::Kind::Found) {
    vault::Status r = authorize(a, m.route->options, &auth);
    if (r && m.route->options.authenticated && a.ctx.tenant_id.empty()) std::abort();
    if (r && m.route->options.admin_only && !a.ctx.platform_admin) std::abort();
  }
  if (auto ct = h.req.header("content-type")) {
    for (std::string_view want : {"application/json", "application/x-ndjson"}) {
      if (media_type_is(*ct, want)) {
        std::string got(media_type_of(*ct));
        for (char& c : got)
          if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
        if (got != want) std::abort();
      }
    }
  }
}

/// The body as Connection::serve() buffers it.
void read_body(http::request_parser<http::empty_body>& hp, std::string_view rest) {
  BodyBudget budget(3 << 20);
  {
    BodyReservation reserved(budget);
    const auto cl = hp.content_length();
    if (cl && *cl > kBodyLimit) return;  // 413 before reading
    if (cl && !reserved.grow_to(static_cast<std::int64_t>(*cl))) std::abort();
    http::request_parser<http::string_body> sp(std::move(hp));
    sp.body_limit(kBodyLimit);
    boost::beast::error_code ec;
    while (!sp.is_done() && !rest.empty()) {
      std::size_t n = sp.put(boost::asio::buffer(rest.data(), rest.size()), ec);
      if (ec == http::error::need_more && n == 0) break;
      if (ec && ec != http::error::need_more) return;  // 400 / 413
      rest.remove_prefix(n);
      const auto have = static_cast<std::int64_t>(sp.get().body().capacity());
      if (!cl && have > reserved.bytes() && !reserved.grow_to(have)) return;  // 503
    }
    if (!sp.is_done()) {
      sp.put_eof(ec);
    }
    if (sp.get().body().size() > kBodyLimit) std::abort();
    if (sp.is_done() && cl && sp.get().body().size() != *cl) std::abort();
  }
  if (budget.used() != 0) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  http::request_parser<http::empty_body> hp;
  hp.header_limit(16 << 10);
  hp.body_limit(boost::none);
  hp.eager(false);
  boost::beast::error_code ec;
  std::size_t used = 0;
  while (!hp.is_header_done()) {
    std::size_t n = hp.put(boost::asio::buffer(in.data() + used, in.size() - used), ec);
    used += n;
    if (ec == http::error::need_more) {
      if (n == 0) return 0;  // incomplete head: the server would keep reading
      continue;
    }
    if (ec) return 0;  // 400 / 413 from the parser
  }
  std::size_t fields = 0;
  for (auto it = hp.get().begin(); it != hp.get().end(); ++it) ++fields;
  RequestHead h = read_request_head(hp.get());
  check_head(h, fields);
  if (h.error) return 0;
  RouteMatch m = route_request(builtin_router(), &api_router(), h.req.method, h.raw_path);
  check_route(m, h.req.method);
  check_auth(h, m);
  std::map<std::string, std::string> q;
  auto qpos = h.req.target.find('?');
  if (qpos != std::string::npos) (void)parse_query(std::string_view(h.req.target).substr(qpos + 1), q);
  if (!hp.is_done()) read_body(hp, in.substr(used));
  return 0;
}
