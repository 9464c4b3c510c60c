// Unit tests of the socket-free pieces of the HTTP edge: media types, the
// buffered-body budget, /metrics authorization and request-head reading.
#include "http/authorize.hpp"
#include "http/body_budget.hpp"
#include "http/media_type.hpp"
#include "http/request_head.hpp"

#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <gtest/gtest.h>

namespace vault::http {
namespace {

TEST(MediaType, ExactCaseInsensitiveWithParameters) {
  EXPECT_TRUE(media_type_is("application/json", "application/json"));
  EXPECT_TRUE(media_type_is("Application/JSON", "application/json"));
  EXPECT_TRUE(media_type_is("application/json; charset=utf-8", "application/json"));
  EXPECT_TRUE(media_type_is("application/json;charset=UTF-8", "application/json"));
  EXPECT_TRUE(media_type_is("  application/json \t; x=y", "application/json"));
  EXPECT_FALSE(media_type_is("application/jsonx", "application/json"));
  EXPECT_FALSE(media_type_is("application/json-seq", "application/json"));
  EXPECT_FALSE(media_type_is("application/json+x; charset=utf-8", "application/json"));
  EXPECT_FALSE(media_type_is("text/application/json", "application/json"));
  EXPECT_FALSE(media_type_is("", "application/json"));
  EXPECT_FALSE(media_type_is("application/x-ndjsonl", "application/x-ndjson"));
  EXPECT_EQ(media_type_of(" text/plain ; q=1"), "text/plain");
}

TEST(BodyBudget, TakesWhatFitsAndReleasesWithTheReservation) {
  BodyBudget b(100);
  {
    BodyReservation r1(b);
    EXPECT_TRUE(r1.grow_to(60));
    EXPECT_EQ(b.used(), 60);
    BodyReservation r2(b);
    EXPECT_FALSE(r2.grow_to(41));  // 60 + 41 > 100: nothing taken
    EXPECT_EQ(r2.bytes(), 0);
    EXPECT_EQ(b.used(), 60);
    EXPECT_TRUE(r2.grow_to(40));
    EXPECT_TRUE(r2.grow_to(30));  // never shrinks
    EXPECT_EQ(b.used(), 100);
    BodyReservation moved = std::move(r2);
    EXPECT_EQ(moved.bytes(), 40);
    EXPECT_EQ(b.used(), 100);
    r1.release();
    EXPECT_EQ(b.used(), 40);
  }
  EXPECT_EQ(b.used(), 0);
  BodyReservation none;  // no budget: nothing can be taken
  EXPECT_FALSE(none.grow_to(1));
  EXPECT_TRUE(none.grow_to(0));
}

Authenticator auth() {
  return [](std::string_view token) -> Result<Principal> {
    if (token == "writer") return Principal{"tn_a", "key_w", storage::Role::Writer, false, {}};
    if (token == "root") return Principal{"tn_sys", "key_root", storage::Role::Admin, true, {}};
    return fail(ErrorKind::Authentication, "invalid API key");
  };
}

ErrorKind metrics_error(const std::string& header, std::string_view token) {
  Request req;
  if (!header.empty()) req.headers.emplace_back("authorization", header);
  auto a = auth();
  auto s = authorize_metrics(req, &a, token);
  return s ? ErrorKind::Unknown : s.error().kind();
}

TEST(AuthorizeMetrics, TokenOrPlatformAdmin) {
  const std::string token = "metrics-token-0123456789";
  EXPECT_EQ(metrics_error("", token), ErrorKind::Authentication);
  EXPECT_EQ(metrics_error("Bearer " + token, token), ErrorKind::Unknown);
  EXPECT_EQ(metrics_error("bearer  " + token + " ", token), ErrorKind::Unknown);
  EXPECT_EQ(metrics_error("Bearer " + token + "x", token), ErrorKind::Authentication);
  EXPECT_EQ(metrics_error("Bearer metrics-token-012345678", token), ErrorKind::Authentication);
  EXPECT_EQ(metrics_error("Basic " + token, token), ErrorKind::Authentication);
  EXPECT_EQ(metrics_error("Bearer root", token), ErrorKind::Unknown);
  EXPECT_EQ(metrics_error("Bearer writer", token), ErrorKind::Authorization);
  // No token configured: an empty bearer never matches it; only the admin key.
  EXPECT_EQ(metrics_error("Bearer ", ""), ErrorKind::Authentication);
  EXPECT_EQ(metrics_error("Bearer root", ""), ErrorKind::Unknown);
  EXPECT_EQ(metrics_error("Bearer writer", ""), ErrorKind::Authorization);

  EXPECT_TRUE(constant_time_equals("abc", "abc"));
  EXPECT_FALSE(constant_time_equals("abc", "abd"));
  EXPECT_FALSE(constant_time_equals("abc", "abcd"));
  EXPECT_TRUE(constant_time_equals("", ""));
}

RequestHead head_of(const std::string& raw) {
  boost::beast::http::request_parser<boost::beast::http::empty_body> p;
  boost::beast::error_code ec;
  p.put(boost::asio::buffer(raw), ec);
  EXPECT_FALSE(ec) << ec.message();
  EXPECT_TRUE(p.is_header_done());
  return read_request_head(p.get());
}

TEST(RequestHead, IdsHeadersAndTarget) {
  auto h = head_of(
      "POST /a%20b/c?x=1&y=t%C3%A9+st HTTP/1.1\r\nHost: h\r\nX-Request-ID: rid-1\r\nEXPECT: 100-Continue\r\n"
      "traceparent: 00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01\r\nContent-Length: 3\r\n\r\n");
  EXPECT_FALSE(h.error);
  EXPECT_EQ(h.req.method, "POST");
  EXPECT_EQ(h.raw_path, "/a%20b/c");
  EXPECT_EQ(h.req.path, "/a b/c");
  EXPECT_EQ(h.req.query.at("y"), "t\xC3\xA9 st");
  EXPECT_EQ(h.req.ctx.request_id, "rid-1");
  EXPECT_EQ(h.req.ctx.trace_id, "0af7651916cd43dd8448eb211c80319c");
  EXPECT_EQ(h.req.ctx.parent_span_id, "b7ad6b7169203331");
  EXPECT_EQ(h.trace_flags, 1);
  EXPECT_TRUE(h.expect_continue);
  EXPECT_EQ(h.req.header("expect"), "100-Continue");
  for (const auto& [k, v] : h.req.headers) EXPECT_EQ(k.find_first_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ"), std::string::npos);

  EXPECT_TRUE(head_of("GET * HTTP/1.1\r\nHost: h\r\n\r\n").error);
  EXPECT_TRUE(head_of("GET /bad%2 HTTP/1.1\r\nHost: h\r\n\r\n").error);
  EXPECT_TRUE(head_of("GET /ok?q=%zz HTTP/1.1\r\nHost: h\r\n\r\n").error);
  auto fresh = head_of("GET /ok HTTP/1.1\r\nHost: h\r\nX-Request-ID: bad id\r\n\r\n");
  EXPECT_FALSE(fresh.error);
  EXPECT_FALSE(fresh.expect_continue);
  EXPECT_EQ(fresh.req.ctx.request_id.size(), 32u);
  EXPECT_EQ(fresh.req.ctx.trace_id.size(), 32u);
  EXPECT_EQ(fresh.req.ctx.span_id.size(), 16u);
}

}  // namespace
}  // namespace vault::http
