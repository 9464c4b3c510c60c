#include "vault/http/handler.hpp"

#include "http/dispatch.hpp"
#include "http/exchange.hpp"
#include "vault/core/worker_pool.hpp"

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <latch>
#include <thread>

namespace vault::http {
namespace {

TEST(Request, HeaderIsCaseInsensitiveAndParamLooksUpQuery) {
  Request r;
  r.headers = {{"content-type", "application/json"}, {"x-a", "1"}, {"x-a", "2"}};
  r.query = {{"limit", "10"}};
  EXPECT_EQ(r.header("Content-Type"), "application/json");
  EXPECT_EQ(r.header("X-A"), "1");
  EXPECT_FALSE(r.header("missing"));
  EXPECT_EQ(r.param("limit"), "10");
  EXPECT_FALSE(r.param("cursor"));
}

TEST(Response, JsonAndEmpty) {
  auto r = Response::json(201, boost::json::object{{"a", 1}});
  EXPECT_EQ(r.status, 201);
  EXPECT_EQ(r.content_type, "application/json");
  EXPECT_EQ(r.body, R"({"a":1})");
  auto e = Response::empty(204);
  EXPECT_EQ(e.status, 204);
  EXPECT_TRUE(e.body.empty());
  EXPECT_TRUE(e.content_type.empty());
}

TEST(ErrorResponse, ExactShape) {
  RequestContext ctx;
  ctx.trace_id = "0af7651916cd43dd8448eb211c80319c";
  ctx.span_id = "b7ad6b7169203331";
  Error e(ErrorKind::DatasetNotFound, "no such dataset", boost::json::object{{"id", "ds_1"}});
  auto r = error_response(e, ctx);
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.content_type, "application/json");
  auto v = boost::json::parse(r.body).as_object();
  ASSERT_EQ(v.size(), 1u);
  auto& err = v.at("error").as_object();
  EXPECT_EQ(err.size(), 9u);
  EXPECT_EQ(err.at("code").as_string(), "VAULT_ERR_0021");
  EXPECT_EQ(err.at("type").as_string(), "DatasetNotFoundError");
  EXPECT_EQ(err.at("message").as_string(), "no such dataset");
  EXPECT_EQ(err.at("details").as_object().at("id").as_string(), "ds_1");
  EXPECT_EQ(err.at("trace_id").as_string(), ctx.trace_id);
  EXPECT_EQ(err.at("span_id").as_string(), ctx.span_id);
  EXPECT_EQ(err.at("timestamp").as_string().size(), 24u);
  EXPECT_TRUE(err.at("retry_after").is_null());
  EXPECT_EQ(err.at("documentation_url").as_string(), "/docs/error-codes.md#vault_err_0021");
  EXPECT_TRUE(r.headers.empty());
}

TEST(ErrorResponse, RetryAfterBecomesHeader) {
  Error e(ErrorKind::Overloaded, "busy");
  e.with_retry_after(3);
  auto r = error_response(e, {});
  EXPECT_EQ(r.status, 503);
  auto err = boost::json::parse(r.body).as_object().at("error").as_object();
  EXPECT_EQ(err.at("retry_after").as_int64(), 3);
  ASSERT_EQ(r.headers.size(), 1u);
  EXPECT_EQ(r.headers[0].first, "Retry-After");
  EXPECT_EQ(r.headers[0].second, "3");
}

// ---- authorization -------------------------------------------------------

Authenticator test_auth() {
  return [](std::string_view token) -> Result<Principal> {
    if (token == "reader") return Principal{"tn_a", "key_r", storage::Role::Reader, false, {}};
    if (token == "admin") return Principal{"tn_a", "key_a", storage::Role::Admin, false, {}};
    if (token == "root") return Principal{"tn_sys", "key_root", storage::Role::Admin, true, {}};
    return fail(ErrorKind::Authentication, "invalid API key");
  };
}

ErrorKind auth_error(std::string header, RouteOptions opts) {
  Request req;
  if (!header.empty()) req.headers.emplace_back("authorization", header);
  auto a = test_auth();
  auto s = authorize(req, opts, &a);
  return s ? ErrorKind::Unknown : s.error().kind();
}

TEST(Authorize, Cases) {
  RouteOptions open;
  open.authenticated = false;
  EXPECT_EQ(auth_error("", open), ErrorKind::Unknown);  // no auth needed
  RouteOptions reader;
  EXPECT_EQ(auth_error("", reader), ErrorKind::Authentication);
  EXPECT_EQ(auth_error("Basic abc", reader), ErrorKind::Authentication);
  EXPECT_EQ(auth_error("Bearer ", reader), ErrorKind::Authentication);
  EXPECT_EQ(auth_error("Bearer nope", reader), ErrorKind::Authentication);
  EXPECT_EQ(auth_error("Bearer reader", reader), ErrorKind::Unknown);
  EXPECT_EQ(auth_error("bearer  reader ", reader), ErrorKind::Unknown);
  RouteOptions writer;
  writer.min_role = storage::Role::Writer;
  EXPECT_EQ(auth_error("Bearer reader", writer), ErrorKind::Authorization);
  EXPECT_EQ(auth_error("Bearer admin", writer), ErrorKind::Unknown);
  RouteOptions platform;
  platform.admin_only = true;
  EXPECT_EQ(auth_error("Bearer admin", platform), ErrorKind::Authorization);
  EXPECT_EQ(auth_error("Bearer root", platform), ErrorKind::Unknown);

  Request req;
  req.headers.emplace_back("authorization", "Bearer root");
  auto a = test_auth();
  ASSERT_TRUE(authorize(req, platform, &a));
  EXPECT_EQ(req.ctx.tenant_id, "tn_sys");
  EXPECT_EQ(req.ctx.api_key_id, "key_root");
  EXPECT_EQ(req.ctx.role, storage::Role::Admin);
  EXPECT_TRUE(req.ctx.platform_admin);
}

// ---- exchange ------------------------------------------------------------

TEST(Exchange, BodyPiecesFlowWithBackPressure) {
  auto ex = std::make_shared<Exchange>(Request{}, 4);
  std::string got;
  std::thread worker([&] {
    while (auto piece = ex->body_source().read()) got.append(*piece);
    ex->complete(Response::empty(204));
  });
  const std::string body = "hello world!";
  std::size_t off = 0;
  for (;;) {
    std::string_view chunk;
    auto ev = ex->next_event(chunk);
    if (ev == Exchange::Event::Final) break;
    if (ev == Exchange::Event::BodyWanted) {
      if (off == body.size()) {
        ex->deliver_end();
      } else {
        std::size_t n = std::min(ex->piece_capacity(), body.size() - off);
        std::memcpy(ex->piece_buffer(), body.data() + off, n);
        off += n;
        ex->deliver_piece(n);
      }
      continue;
    }
    ASSERT_EQ(ev, Exchange::Event::None);
    std::latch woke(1);
    ex->set_waiter([&] { woke.count_down(); });
    woke.wait();
  }
  worker.join();
  EXPECT_EQ(got, body);
  EXPECT_EQ(ex->take_response().status, 204);
}

TEST(Exchange, CancelWakesBlockedWorker) {
  auto ex = std::make_shared<Exchange>(Request{}, 16);
  std::atomic<bool> threw{false};
  std::thread worker([&] {
    try {
      ex->body_source().read();
    } catch (const ClientGone&) {
      threw = true;
    }
  });
  // Wait until the worker asks for data, then cancel.
  for (;;) {
    std::string_view c;
    if (ex->next_event(c) == Exchange::Event::BodyWanted) break;
    std::latch woke(1);
    ex->set_waiter([&] { woke.count_down(); });
    woke.wait();
  }
  ex->cancel();
  worker.join();
  EXPECT_TRUE(threw.load());
  std::string_view c;
  EXPECT_EQ(ex->next_event(c), Exchange::Event::Gone);
}

TEST(Exchange, SinkWriteBlocksUntilChunkDone) {
  auto ex = std::make_shared<Exchange>(Request{}, 0);
  std::vector<std::string> written;
  std::thread worker([&] {
    ex->begin_stream(Response::empty(200));
    ex->body_sink().write("a");
    ex->body_sink().write("");  // ignored
    ex->body_sink().write("bc");
    ex->end_stream();
  });
  for (;;) {
    std::string_view chunk;
    auto ev = ex->next_event(chunk);
    if (ev == Exchange::Event::StreamEnd) break;
    if (ev == Exchange::Event::Chunk) {
      written.emplace_back(chunk);
      ex->chunk_done(true);
      continue;
    }
    std::latch woke(1);
    ex->set_waiter([&] { woke.count_down(); });
    woke.wait();
  }
  worker.join();
  EXPECT_EQ(written, (std::vector<std::string>{"a", "bc"}));
  EXPECT_TRUE(ex->stream_started());
}

TEST(Exchange, FailedChunkMakesWriteThrow) {
  auto ex = std::make_shared<Exchange>(Request{}, 0);
  std::atomic<bool> threw{false};
  std::thread worker([&] {
    try {
      ex->body_sink().write("x");
    } catch (const ClientGone&) {
      threw = true;
    }
  });
  for (;;) {
    std::string_view chunk;
    if (ex->next_event(chunk) == Exchange::Event::Chunk) break;
    std::latch woke(1);
    ex->set_waiter([&] { woke.count_down(); });
    woke.wait();
  }
  ex->chunk_done(false);
  worker.join();
  EXPECT_TRUE(threw.load());
}

}  // namespace
}  // namespace vault::http
