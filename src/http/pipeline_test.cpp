// Unit tests of the request pipeline and of each stage alone, against a fake
// Transport (no socket): what each stage adds to the call, when it answers
// early and with what rule for the unread body, and what it wraps.
#include "http/exchange.hpp"
#include "http/stages.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <gtest/gtest.h>

#include <memory>

namespace vault::http {
namespace {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;

struct Answered {
  Response response;
  AfterAnswer after;
};

/// Records answers; reads the body it is told to; runs no socket.
class FakeTransport final : public Transport {
 public:
  std::vector<Answered> answers;
  std::function<void()> on_respond;  // runs as an answer is written
  BodyRead body_result;
  std::string body;
  std::vector<std::int64_t> growth;  // buffer capacities offered to may_buffer, in order
  std::int64_t limit_seen = -1;
  std::shared_ptr<Exchange> exchanged;

  asio::awaitable<bool> respond(Call&, Response r, AfterAnswer after) override {
    if (on_respond) on_respond();
    answers.push_back(Answered{std::move(r), after});
    co_return true;
  }
  asio::awaitable<BodyRead> read_body(Call& call, std::int64_t limit,
                                      const std::function<bool(std::int64_t)>& may_buffer) override {
    limit_seen = limit;
    BodyRead result = body_result;
    for (std::int64_t cap : growth) {
      if (!may_buffer(cap)) {
        result.end = BodyEnd::OverBudget;
        co_return result;
      }
    }
    if (result.end == BodyEnd::Complete) call.req.body = body;
    co_return result;
  }
  asio::awaitable<bool> exchange(Call&, std::shared_ptr<Exchange> ex) override {
    exchanged = std::move(ex);
    co_return true;
  }
};

/// A parsed request head and a call on it.
struct Fixture {
  bhttp::request_parser<bhttp::empty_body> parser;
  FakeTransport io;
  std::unique_ptr<Call> call;

  explicit Fixture(const std::string& raw_head) {
    parser.body_limit(boost::none);  // as the connection: limits are the stages' business
    boost::beast::error_code ec;
    parser.put(asio::buffer(raw_head), ec);
    EXPECT_FALSE(ec) << ec.message();
    EXPECT_TRUE(parser.is_header_done());
    const auto cl = parser.content_length();
    call = std::make_unique<Call>(io, parser.get(), !parser.is_done(),
                                  cl ? std::optional<std::uint64_t>(*cl) : std::nullopt);
    call->record.keep_alive = parser.get().keep_alive();
  }
};

asio::awaitable<bool> reach(int& reached, bool result) {
  ++reached;
  co_return result;
}

/// Runs `stage` on `call` to its end; `reached` counts calls of `next`.
bool drive(const Stage& stage, Call& call, int& reached, bool next_result = true) {
  asio::io_context ioc;
  auto f = asio::co_spawn(ioc, stage.serve(call, [&] { return reach(reached, next_result); }), asio::use_future);
  ioc.run();
  return f.get();
}

bool drive(const Pipeline& p, Call& call) {
  asio::io_context ioc;
  auto f = asio::co_spawn(ioc, p.serve(call), asio::use_future);
  ioc.run();
  return f.get();
}

Route route(std::string method, std::string pattern, RouteOptions opts = {}) {
  Route r;
  r.method = std::move(method);
  r.pattern = std::move(pattern);
  r.options = opts;
  r.handler = [](Request&) { return Response::empty(204); };
  return r;
}

std::string error_type(const Response& r) {
  auto pos = r.body.find("\"type\":\"");
  if (pos == std::string::npos) return {};
  pos += 8;
  return r.body.substr(pos, r.body.find('"', pos) - pos);
}

// ---- the runner -------------------------------------------------------------

/// Appends its name to a log before and after the rest of the chain; answers
/// when told to.
class Probe final : public Stage {
 public:
  Probe(std::string name, std::vector<std::string>& log, bool answer = false)
      : name_(std::move(name)), log_(log), answer_(answer) {}
  std::string_view name() const override { return name_; }
  asio::awaitable<bool> serve(Call& call, Next next) const override {
    log_.push_back(name_ + ">");
    bool keep = answer_ ? co_await call.io.respond(call, Response::empty(503), AfterAnswer::KeepIfNoBody)
                        : co_await next();
    log_.push_back("<" + name_);
    co_return keep;
  }

 private:
  std::string name_;
  std::vector<std::string>& log_;
  bool answer_;
};

TEST(Pipeline, RunsTheStagesInOrderAndEachWrapsTheRest) {
  Fixture f("GET /x HTTP/1.1\r\nHost: h\r\n\r\n");
  std::vector<std::string> log;
  std::vector<std::unique_ptr<Stage>> stages;
  stages.push_back(std::make_unique<Probe>("a", log));
  stages.push_back(std::make_unique<Probe>("b", log));
  stages.push_back(std::make_unique<Probe>("c", log, /*answer=*/true));
  stages.push_back(std::make_unique<Probe>("never", log));
  Pipeline p(std::move(stages));
  EXPECT_EQ(p.names(), (std::vector<std::string_view>{"a", "b", "c", "never"}));
  EXPECT_TRUE(drive(p, *f.call));
  EXPECT_EQ(log, (std::vector<std::string>{"a>", "b>", "c>", "<c", "<b", "<a"}));
  ASSERT_EQ(f.io.answers.size(), 1u);
  EXPECT_EQ(f.io.answers[0].response.status, 503);
}

TEST(Pipeline, AChainThatNeverAnswersIsAProgrammingError) {
  Fixture f("GET /x HTTP/1.1\r\nHost: h\r\n\r\n");
  std::vector<std::string> log;
  std::vector<std::unique_ptr<Stage>> stages;
  stages.push_back(std::make_unique<Probe>("a", log));
  Pipeline p(std::move(stages));
  EXPECT_THROW(drive(p, *f.call), std::logic_error);
}

// ---- the stages, one by one --------------------------------------------------

TEST(CountActiveStage, CountsTheRequestWhileTheRestRuns) {
  Fixture f("GET /x HTTP/1.1\r\nHost: h\r\n\r\n");
  metrics::Gauge gauge;
  const Call* seen = nullptr;
  CountActive stage([&](const Call& c) -> metrics::Gauge& {
    seen = &c;
    return gauge;
  });
  double during = -1;
  asio::io_context ioc;
  auto next = [&]() -> asio::awaitable<bool> {
    during = gauge.value();
    co_return true;
  };
  auto fut = asio::co_spawn(ioc, stage.serve(*f.call, next), asio::use_future);
  ioc.run();
  EXPECT_TRUE(fut.get());
  EXPECT_EQ(during, 1.0);
  EXPECT_EQ(gauge.value(), 0.0);
  EXPECT_EQ(seen, f.call.get());  // the gauge is chosen by the call (its route)
}

TEST(ReadHeadStage, BuildsTheRequestAndItsRecord) {
  Fixture f(
      "POST /a%20b?x=1 HTTP/1.1\r\nHost: h\r\nX-Request-ID: rid-7\r\nExpect: 100-continue\r\n"
      "traceparent: 00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01\r\nContent-Length: 3\r\n\r\n");
  int reached = 0;
  EXPECT_TRUE(drive(ReadHead(), *f.call, reached));
  EXPECT_EQ(reached, 1);
  const Call& c = *f.call;
  EXPECT_EQ(c.req.method, "POST");
  EXPECT_EQ(c.req.path, "/a b");
  EXPECT_EQ(c.raw_path, "/a%20b");
  EXPECT_EQ(c.req.query.at("x"), "1");
  EXPECT_TRUE(c.expect_continue);
  EXPECT_EQ(c.record.method, "POST");
  EXPECT_EQ(c.record.ctx.request_id, "rid-7");
  EXPECT_EQ(c.record.ctx.trace_id, "0af7651916cd43dd8448eb211c80319c");
  EXPECT_EQ(c.record.ctx.span_id, c.req.ctx.span_id);
  EXPECT_EQ(c.record.trace_flags, 1);
  EXPECT_TRUE(f.io.answers.empty());
}

TEST(ReadHeadStage, BadTargetIs400AndTheRestDoesNotRun) {
  Fixture f("GET /bad%2 HTTP/1.1\r\nHost: h\r\n\r\n");
  int reached = 0;
  EXPECT_TRUE(drive(ReadHead(), *f.call, reached));
  EXPECT_EQ(reached, 0);
  ASSERT_EQ(f.io.answers.size(), 1u);
  EXPECT_EQ(f.io.answers[0].response.status, 400);
  EXPECT_EQ(f.io.answers[0].after, AfterAnswer::KeepIfNoBody);
  EXPECT_EQ(f.call->record.ctx.request_id.size(), 32u);  // the answer still carries ids
}

TEST(SetDeadlineStage, DeadlineIsTheClocksNowPlusTheTimeout) {
  Fixture f("GET /x HTTP/1.1\r\nHost: h\r\n\r\n");
  ManualClock clock;
  SetDeadline stage(std::chrono::milliseconds(1500), clock);
  clock.advance(std::chrono::seconds(7));
  EXPECT_FALSE(stage.check(*f.call));
  EXPECT_EQ(f.call->req.ctx.deadline, clock.steady_now() + std::chrono::milliseconds(1500));
}

struct Routed {
  Router builtin, api;
  Routed() {
    builtin.add("GET", "/health/live", [](Request&) { return Response::empty(200); });
    api.add("GET", "/items/{id}", [](Request&) { return Response::empty(200); });
    api.add("DELETE", "/items/{id}", [](Request&) { return Response::empty(204); });
  }
};

std::optional<Answer> route_of(Fixture& f, const Router& builtin, const Router* api) {
  int reached = 0;
  (void)drive(ReadHead(), *f.call, reached);
  return RouteRequest(builtin, api).check(*f.call);
}

TEST(RouteRequestStage, FindsTheRouteAndItsParameters) {
  Routed r;
  Fixture f("GET /items/a%2Fb HTTP/1.1\r\nHost: h\r\n\r\n");
  EXPECT_FALSE(route_of(f, r.builtin, &r.api));
  ASSERT_NE(f.call->record.route, nullptr);
  EXPECT_EQ(f.call->record.endpoint, "/items/{id}");
  EXPECT_EQ(f.call->req.path_params.at("id"), "a/b");
}

TEST(RouteRequestStage, UnknownPathIs404AndWrongMethod405WithAllow) {
  Routed r;
  Fixture missing("GET /nothing HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\n");
  auto a = route_of(missing, r.builtin, &r.api);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->response.status, 404);
  EXPECT_EQ(a->after, AfterAnswer::KeepIfNoBody);
  EXPECT_EQ(missing.call->record.endpoint, "unmatched");

  Fixture wrong("POST /items/1 HTTP/1.1\r\nHost: h\r\n\r\n");
  a = route_of(wrong, r.builtin, &r.api);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->response.status, 405);
  ASSERT_EQ(a->response.headers.size(), 1u);
  EXPECT_EQ(a->response.headers[0].first, "Allow");
  EXPECT_EQ(a->response.headers[0].second, "DELETE, GET");

  // Without the API router (admin listener) API paths do not exist.
  Fixture admin("GET /items/1 HTTP/1.1\r\nHost: h\r\n\r\n");
  a = route_of(admin, r.builtin, nullptr);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->response.status, 404);
}

Authorize::Authenticate bearer_auth() {
  return [](Request& req, const Route& route) {
    Authenticator a = [](std::string_view token) -> Result<Principal> {
      if (token == "writer") return Principal{"tn_a", "key_w", storage::Role::Writer, false, {}};
      if (token == "boom") throw std::runtime_error("authenticator failed");
      return fail(ErrorKind::Authentication, "invalid API key");
    };
    return authorize(req, route.options, &a);
  };
}

std::optional<Answer> authorize_with(const std::string& header, const Route& rt, Fixture& f,
                                     const DispatchDeps& deps) {
  if (!header.empty()) f.call->req.headers.emplace_back("authorization", header);
  f.call->record.route = &rt;
  return Authorize(bearer_auth(), deps).check(*f.call);
}

TEST(AuthorizeStage, FillsThePrincipalOrAnswers401Or403BeforeTheBody) {
  DispatchDeps deps;
  const Route open = route("GET", "/open", RouteOptions{.authenticated = false});
  const Route writer = route("POST", "/w", RouteOptions{.min_role = storage::Role::Writer});
  const Route admin = route("POST", "/a", RouteOptions{.min_role = storage::Role::Admin});
  {
    Fixture f("GET /open HTTP/1.1\r\nHost: h\r\n\r\n");
    EXPECT_FALSE(authorize_with("", open, f, deps));
  }
  {
    Fixture f("POST /w HTTP/1.1\r\nHost: h\r\nContent-Length: 9\r\n\r\n");
    EXPECT_FALSE(authorize_with("Bearer writer", writer, f, deps));
    EXPECT_EQ(f.call->req.ctx.tenant_id, "tn_a");
    EXPECT_EQ(f.call->record.ctx.tenant_id, "tn_a");
  }
  {
    Fixture f("POST /w HTTP/1.1\r\nHost: h\r\nContent-Length: 9\r\n\r\n");
    auto a = authorize_with("", writer, f, deps);
    ASSERT_TRUE(a);
    EXPECT_EQ(a->response.status, 401);
    EXPECT_EQ(a->after, AfterAnswer::DrainIfBody);
  }
  {
    Fixture f("POST /a HTTP/1.1\r\nHost: h\r\n\r\n");
    auto a = authorize_with("Bearer writer", admin, f, deps);
    ASSERT_TRUE(a);
    EXPECT_EQ(a->response.status, 403);
    EXPECT_EQ(f.call->record.ctx.tenant_id, "tn_a");  // known: authorization (not authentication) failed
  }
  {
    metrics::Counter unhandled;
    DispatchDeps counting{nullptr, &unhandled};
    Fixture f("POST /w HTTP/1.1\r\nHost: h\r\n\r\n");
    auto a = authorize_with("Bearer boom", writer, f, counting);
    ASSERT_TRUE(a);
    EXPECT_EQ(a->response.status, 500);
    EXPECT_EQ(unhandled.value(), 1.0);
  }
}

std::string header(const Response& r, std::string_view name) {
  for (const auto& [k, v] : r.headers)
    if (k == name) return v;
  return {};
}

std::string record_header(const Call& c, std::string_view name) {
  for (const auto& [k, v] : c.record.headers)
    if (k == name) return v;
  return {};
}

TEST(RateLimitStage, TenantBucketsAnswer429WithHeadersAndProbesAreNeverLimited) {
  ManualClock clock;
  resilience::RateLimiter limiter({.requests_per_second = 1, .burst = 2}, {}, clock);
  const RateLimit stage(limiter);
  const Route api = route("GET", "/d");
  const Route probe = route("GET", "/health/ready", RouteOptions{.authenticated = false});
  auto call_as = [&](const std::string& tenant, const Route& r) {
    auto f = std::make_unique<Fixture>("GET /d HTTP/1.1\r\nHost: h\r\n\r\n");
    f->call->record.route = &r;
    f->call->req.ctx.tenant_id = tenant;
    return f;
  };
  for (int i = 0; i < 2; ++i) {
    auto f = call_as("tn_a", api);
    EXPECT_FALSE(stage.check(*f->call));
    EXPECT_EQ(record_header(*f->call, "X-RateLimit-Limit"), "2");
    EXPECT_EQ(record_header(*f->call, "X-RateLimit-Remaining"), std::to_string(1 - i));
  }
  auto f = call_as("tn_a", api);
  auto a = stage.check(*f->call);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->response.status, 429);
  EXPECT_EQ(error_type(a->response), "TenantRateLimitError");
  EXPECT_EQ(header(a->response, "Retry-After"), "1");
  EXPECT_EQ(a->after, AfterAnswer::DrainIfBody);
  EXPECT_EQ(record_header(*f->call, "X-RateLimit-Remaining"), "0");
  EXPECT_FALSE(stage.check(*call_as("tn_b", api)->call));  // another tenant has its own bucket
  for (int i = 0; i < 10; ++i) {
    auto p = call_as("", probe);
    EXPECT_FALSE(stage.check(*p->call));
    EXPECT_TRUE(p->call->record.headers.empty());
  }
  clock.advance(std::chrono::seconds(1));
  EXPECT_FALSE(stage.check(*call_as("tn_a", api)->call));  // refilled
}

TEST(RateLimitStage, TheGlobalBucketAnswersGlobalRateLimitError) {
  ManualClock clock;
  resilience::RateLimiter limiter({}, {.requests_per_second = 1, .burst = 1}, clock);
  const RateLimit stage(limiter);
  const Route api = route("GET", "/d");
  Fixture first("GET /d HTTP/1.1\r\nHost: h\r\n\r\n");
  first.call->record.route = &api;
  EXPECT_FALSE(stage.check(*first.call));
  Fixture second("GET /d HTTP/1.1\r\nHost: h\r\n\r\n");
  second.call->record.route = &api;
  second.call->req.ctx.tenant_id = "tn_other";
  auto a = stage.check(*second.call);
  ASSERT_TRUE(a);
  EXPECT_EQ(error_type(a->response), "GlobalRateLimitError");
}

TEST(WriteGateStage, ReadOnlyModeRefusesStateChangesOnly) {
  domain::OperatingMode mode(false, false);
  const WriteGate gate(mode);
  const Route post = route("POST", "/w");
  const Route detect = route("POST", "/detect", RouteOptions{.read_only_safe = true});
  auto call = [&](const std::string& method, const Route& r) {
    auto f = std::make_unique<Fixture>(method + " /w HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\n");
    f->call->record.route = &r;
    f->call->req.method = method;
    return f;
  };
  EXPECT_FALSE(gate.check(*call("POST", post)->call));
  mode.set(true, false);
  auto a = gate.check(*call("POST", post)->call);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->response.status, 503);
  EXPECT_EQ(error_type(a->response), "MaintenanceModeError");
  EXPECT_EQ(header(a->response, "Retry-After"), "30");
  EXPECT_EQ(a->after, AfterAnswer::DrainIfBody);
  EXPECT_TRUE(gate.check(*call("DELETE", post)->call));
  EXPECT_FALSE(gate.check(*call("GET", post)->call));
  EXPECT_FALSE(gate.check(*call("HEAD", post)->call));
  EXPECT_FALSE(gate.check(*call("POST", detect)->call));
  mode.set(false, true);  // degraded refuses writes too
  auto d = gate.check(*call("PUT", post)->call);
  ASSERT_TRUE(d);
  EXPECT_NE(d->response.body.find("degraded"), std::string::npos);
  mode.set(false, false);
  EXPECT_FALSE(gate.check(*call("PUT", post)->call));
}

TEST(BodyLimitStage, AnnouncedLengthOverTheLimitIs413) {
  const Route authed = route("POST", "/w");
  const Route open = route("POST", "/o", RouteOptions{.authenticated = false});
  const Route streamed = route("POST", "/s", RouteOptions{.stream_request = true});
  BodyLimit stage(100 << 10);
  {
    Fixture f("POST /w HTTP/1.1\r\nHost: h\r\nContent-Length: 102400\r\n\r\n");
    f.call->record.route = &authed;
    EXPECT_FALSE(stage.check(*f.call));
    EXPECT_EQ(f.call->body_limit, 100 << 10);
  }
  {
    Fixture f("POST /w HTTP/1.1\r\nHost: h\r\nContent-Length: 102401\r\n\r\n");
    f.call->record.route = &authed;
    auto a = stage.check(*f.call);
    ASSERT_TRUE(a);
    EXPECT_EQ(a->response.status, 413);
    EXPECT_EQ(a->after, AfterAnswer::CloseAndDrain);
  }
  {  // anonymous routes take no real body
    Fixture f("POST /o HTTP/1.1\r\nHost: h\r\nContent-Length: 65537\r\n\r\n");
    f.call->record.route = &open;
    auto a = stage.check(*f.call);
    ASSERT_TRUE(a);
    EXPECT_EQ(a->response.status, 413);
    EXPECT_EQ(f.call->body_limit, BodyLimit::kOpenRouteBodyBytes);
  }
  {  // streamed bodies are unlimited
    Fixture f("POST /s HTTP/1.1\r\nHost: h\r\nContent-Length: 999999999\r\n\r\n");
    f.call->record.route = &streamed;
    EXPECT_FALSE(stage.check(*f.call));
  }
}

TEST(ReserveBodyStage, HoldsTheAnnouncedLengthForTheRestOfTheChain) {
  const Route authed = route("POST", "/w");
  BodyBudget budget(1000);
  metrics::Gauge gauge;
  ReserveBody stage(budget, gauge);
  Fixture f("POST /w HTTP/1.1\r\nHost: h\r\nContent-Length: 600\r\n\r\n");
  f.call->record.route = &authed;
  std::int64_t used_during = -1;
  double gauge_during = -1;
  BodyShare* share_during = nullptr;
  asio::io_context ioc;
  auto next = [&]() -> asio::awaitable<bool> {
    used_during = budget.used();
    gauge_during = gauge.value();
    share_during = f.call->body_share;
    co_return true;
  };
  auto fut = asio::co_spawn(ioc, stage.serve(*f.call, next), asio::use_future);
  ioc.run();
  EXPECT_TRUE(fut.get());
  EXPECT_EQ(used_during, 600);
  EXPECT_EQ(gauge_during, 600.0);
  EXPECT_NE(share_during, nullptr);
  EXPECT_EQ(f.call->body_share, nullptr);
  EXPECT_EQ(budget.used(), 0);  // given back with the request
  EXPECT_EQ(gauge.value(), 0.0);
}

TEST(ReserveBodyStage, SpentBudgetIs503WithoutReadingTheBody) {
  const Route authed = route("POST", "/w");
  BodyBudget budget(1000);
  BodyReservation other(budget);
  ASSERT_TRUE(other.grow_to(500));
  metrics::Gauge gauge;
  ReserveBody stage(budget, gauge);
  Fixture f("POST /w HTTP/1.1\r\nHost: h\r\nContent-Length: 600\r\n\r\n");
  f.call->record.route = &authed;
  int reached = 0;
  EXPECT_TRUE(drive(stage, *f.call, reached));
  EXPECT_EQ(reached, 0);
  ASSERT_EQ(f.io.answers.size(), 1u);
  EXPECT_EQ(f.io.answers[0].response.status, 503);
  EXPECT_EQ(f.io.answers[0].after, AfterAnswer::CloseAndDrain);
  EXPECT_EQ(f.io.answers[0].response.headers.at(0).first, "Retry-After");
  EXPECT_EQ(budget.used(), 500);
}

/// ReadBody inside a ReserveBody, as in the pipeline.
bool read_body(Fixture& f, BodyBudget& budget, int& reached) {
  metrics::Gauge gauge;
  std::vector<std::unique_ptr<Stage>> stages;
  stages.push_back(std::make_unique<ReserveBody>(budget, gauge));
  stages.push_back(std::make_unique<ReadBody>());
  class Reach final : public Stage {
   public:
    explicit Reach(int& n) : n_(n) {}
    std::string_view name() const override { return "reach"; }
    asio::awaitable<bool> serve(Call&, Next) const override { return reach(n_, true); }

   private:
    int& n_;
  };
  stages.push_back(std::make_unique<Reach>(reached));
  return drive(Pipeline(std::move(stages)), *f.call);
}

TEST(ReadBodyStage, ReadsTheBodyThenContinues) {
  const Route authed = route("POST", "/w");
  BodyBudget budget(1000);
  Fixture f("POST /w HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\n");
  f.call->record.route = &authed;
  f.call->body_limit = 10;
  f.io.body = "abc";
  int reached = 0;
  EXPECT_TRUE(read_body(f, budget, reached));
  EXPECT_EQ(reached, 1);
  EXPECT_EQ(f.io.limit_seen, 10);
  EXPECT_EQ(f.call->req.body, "abc");
  EXPECT_EQ(f.call->record.request_bytes, 3u);
  EXPECT_FALSE(f.call->body_pending);
}

TEST(ReadBodyStage, ChunkedGrowthIsChargedInStepsAndRefusedWhenTheBudgetIsSpent) {
  const Route authed = route("POST", "/w");
  const std::int64_t step = ReadBody::kBudgetStep;
  BodyBudget budget(3 * step);
  Fixture f("POST /w HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n");
  f.call->record.route = &authed;
  f.call->body_limit = 1 << 30;
  f.io.growth = {10, step - 1, step, 2 * step + 1, 3 * step + 1};  // the last needs a 4th step: over
  std::int64_t used_at_answer = -1;
  f.io.on_respond = [&] { used_at_answer = budget.used(); };
  int reached = 0;
  EXPECT_TRUE(read_body(f, budget, reached));
  EXPECT_EQ(reached, 0);
  ASSERT_EQ(f.io.answers.size(), 1u);
  EXPECT_EQ(f.io.answers[0].response.status, 503);
  EXPECT_EQ(f.io.answers[0].after, AfterAnswer::CloseAndDrain);
  EXPECT_EQ(used_at_answer, 0);  // given back before the answer (and its linger)

  // Within the budget: charged a step ahead of the buffer.
  BodyBudget roomy(10 * step);
  Fixture g("POST /w HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n");
  g.call->record.route = &authed;
  g.call->body_limit = 1 << 30;
  g.io.growth = {10, step + 1};  // 1 step, then 2
  std::int64_t used_in_handler = -1;
  g.io.on_respond = nullptr;
  reached = 0;
  // Observe the reservation from inside the chain.
  metrics::Gauge gauge;
  std::vector<std::unique_ptr<Stage>> stages;
  stages.push_back(std::make_unique<ReserveBody>(roomy, gauge));
  stages.push_back(std::make_unique<ReadBody>());
  class Observe final : public Stage {
   public:
    Observe(BodyBudget& b, std::int64_t& out) : b_(b), out_(out) {}
    std::string_view name() const override { return "observe"; }
    asio::awaitable<bool> serve(Call&, Next) const override {
      out_ = b_.used();
      co_return true;
    }

   private:
    BodyBudget& b_;
    std::int64_t& out_;
  };
  stages.push_back(std::make_unique<Observe>(roomy, used_in_handler));
  EXPECT_TRUE(drive(Pipeline(std::move(stages)), *g.call));
  EXPECT_EQ(used_in_handler, 2 * step);
  EXPECT_EQ(roomy.used(), 0);
}

TEST(ReadBodyStage, RefusalsAnd413AndALostClient) {
  const Route authed = route("POST", "/w");
  BodyBudget budget(1000);
  struct Case {
    BodyEnd end;
    int status;
  };
  for (Case c : {Case{BodyEnd::TooLarge, 413}, Case{BodyEnd::Malformed, 400}}) {
    Fixture f("POST /w HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n");
    f.call->record.route = &authed;
    f.call->body_limit = 10;
    f.io.body_result.end = c.end;
    f.io.body_result.message = "bad chunk";
    int reached = 0;
    EXPECT_TRUE(read_body(f, budget, reached));
    EXPECT_EQ(reached, 0);
    ASSERT_EQ(f.io.answers.size(), 1u);
    EXPECT_EQ(f.io.answers[0].response.status, c.status);
    EXPECT_EQ(f.io.answers[0].after, AfterAnswer::CloseAndDrain);
  }
  Fixture f("POST /w HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\n");
  f.call->record.route = &authed;
  f.io.body_result.end = BodyEnd::Lost;
  int reached = 0;
  EXPECT_FALSE(read_body(f, budget, reached));  // nobody to answer: close
  EXPECT_TRUE(f.io.answers.empty());
  EXPECT_EQ(budget.used(), 0);
}

TEST(ReadBodyStage, StreamedBodiesAreLeftToTheHandler) {
  const Route streamed = route("POST", "/s", RouteOptions{.stream_request = true});
  Fixture f("POST /s HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\n");
  f.call->record.route = &streamed;
  int reached = 0;
  EXPECT_TRUE(drive(ReadBody(), *f.call, reached));
  EXPECT_EQ(reached, 1);
  EXPECT_EQ(f.io.limit_seen, -1);
  EXPECT_TRUE(f.call->body_pending);
}

/// A request without a body on `rt`, driven through `stage` (the end of the chain).
std::unique_ptr<Fixture> dispatch_on(const Stage& stage, const Route& rt) {
  auto f = std::make_unique<Fixture>(rt.method + " " + rt.pattern + " HTTP/1.1\r\nHost: h\r\n\r\n");
  f->call->record.route = &rt;
  int reached = 0;
  EXPECT_TRUE(drive(stage, *f->call, reached));
  EXPECT_EQ(reached, 0);
  return f;
}

TEST(DispatchStage, InlineRoutesRunHereAndOthersOnTheWorkers) {
  DispatchDeps deps;
  int ran = 0;
  Route plain = route("GET", "/p");
  plain.handler = [&](Request&) {
    ++ran;
    return Response::empty(204);
  };
  Route quick = plain;
  quick.options.run_inline = true;
  int submitted = 0;
  Dispatch stage([&](const Route* r) { return r == &plain && ran == 0; },
                 [&](WorkerPool::Job& job) {
                   ++submitted;
                   job();  // the "worker" runs it at once
                   return true;
                 },
                 deps, system_clock());
  {  // inline by the server's choice
    auto f = dispatch_on(stage, plain);
    EXPECT_EQ(ran, 1);
    EXPECT_EQ(submitted, 0);
    ASSERT_EQ(f->io.answers.size(), 1u);
    EXPECT_EQ(f->io.answers[0].response.status, 204);
  }
  {  // inline by the route's option
    auto f = dispatch_on(stage, quick);
    EXPECT_EQ(ran, 2);
    EXPECT_EQ(submitted, 0);
  }
  {  // the worker pool, through an exchange
    auto f = dispatch_on(stage, plain);
    EXPECT_EQ(ran, 3);
    EXPECT_EQ(submitted, 1);
    EXPECT_TRUE(f->io.answers.empty());
    ASSERT_TRUE(f->io.exchanged);
    std::string_view chunk;
    ASSERT_EQ(f->io.exchanged->next_event(chunk), Exchange::Event::Final);
    EXPECT_EQ(f->io.exchanged->take_response().status, 204);
  }
}

TEST(DispatchStage, FullPoolIs503AndAnInlineExceptionIsAnError) {
  DispatchDeps deps;
  Route plain = route("POST", "/p");
  Dispatch full([](const Route*) { return false; }, [](WorkerPool::Job&) { return false; }, deps, system_clock());
  Fixture f("POST /p HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\n");
  f.call->record.route = &plain;
  int reached = 0;
  EXPECT_TRUE(drive(full, *f.call, reached));
  ASSERT_EQ(f.io.answers.size(), 1u);
  EXPECT_EQ(f.io.answers[0].response.status, 503);
  EXPECT_EQ(error_type(f.io.answers[0].response), "OverloadedError");
  EXPECT_EQ(f.io.answers[0].after, AfterAnswer::DrainIfClosing);
  EXPECT_FALSE(f.io.exchanged);

  Route throwing = route("GET", "/t", RouteOptions{.run_inline = true});
  throwing.handler = [](Request&) -> Response { throw VaultException(Error(ErrorKind::ResourceNotFound, "gone")); };
  Fixture g("GET /t HTTP/1.1\r\nHost: h\r\n\r\n");
  g.call->record.route = &throwing;
  EXPECT_TRUE(drive(full, *g.call, reached));
  ASSERT_EQ(g.io.answers.size(), 1u);
  EXPECT_EQ(g.io.answers[0].response.status, 404);
}

}  // namespace
}  // namespace vault::http
