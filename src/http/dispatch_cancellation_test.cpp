// run_route hands the request's deadline and the client's departure to the
// domain as the thread's current Cancellation.
#include "http/dispatch.hpp"

#include <gtest/gtest.h>

#include <thread>

namespace vault::http {
namespace {

using Clock = std::chrono::steady_clock;

Route route_checking(std::optional<Status>& seen, bool stream_request = false) {
  Route r;
  r.method = "POST";
  r.pattern = "/t";
  r.options.authenticated = false;
  r.options.stream_request = stream_request;
  r.handler = [&seen](Request&) {
    seen = check_cancelled();
    if (!*seen) throw VaultException(seen->error());
    return Response::empty(204);
  };
  return r;
}

TEST(DispatchCancellation, PassedDeadlineReachesTheDomainAs504) {
  Request req;
  req.ctx.deadline = Clock::now() - std::chrono::milliseconds(1);
  Exchange ex(std::move(req));
  std::optional<Status> seen;
  run_route(route_checking(seen), ex, DispatchDeps{});
  ASSERT_TRUE(seen.has_value());
  ASSERT_FALSE(*seen);
  EXPECT_EQ(seen->error().kind(), ErrorKind::DeadlineExceeded);
  std::string_view chunk;
  ASSERT_EQ(ex.next_event(chunk), Exchange::Event::Final);
  EXPECT_EQ(ex.take_response().status, 504);
  EXPECT_EQ(Cancellation::current(), nullptr);  // the scope ended with the route
}

TEST(DispatchCancellation, FutureOrUnsetDeadlineAndStreamedUploadsPass) {
  for (auto deadline : {Clock::now() + std::chrono::hours(1), Clock::time_point{}}) {
    Request req;
    req.ctx.deadline = deadline;
    Exchange ex(std::move(req));
    std::optional<Status> seen;
    run_route(route_checking(seen), ex, DispatchDeps{});
    ASSERT_TRUE(seen && *seen);
  }
  Request req;
  req.ctx.deadline = Clock::now() - std::chrono::seconds(1);  // not applied to streamed uploads
  Exchange ex(std::move(req), 16);
  std::optional<Status> seen;
  run_route(route_checking(seen, /*stream_request=*/true), ex, DispatchDeps{});
  ASSERT_TRUE(seen && *seen);
}

TEST(DispatchCancellation, CancelledExchangeCancelsTheToken) {
  Request req;
  req.ctx.deadline = Clock::now() + std::chrono::hours(1);
  Exchange ex(std::move(req));
  std::thread([&] { ex.cancel(); }).join();
  EXPECT_TRUE(ex.cancellation().cancelled());
  std::optional<Status> seen;
  run_route(route_checking(seen), ex, DispatchDeps{});
  ASSERT_TRUE(seen.has_value());
  ASSERT_FALSE(*seen);
  EXPECT_TRUE(is_cancellation(seen->error()));
}

TEST(DispatchCancellation, TheDeadlinePassesWhenTheInjectedClockSaysSo) {
  ManualClock clock;
  Request req;
  req.ctx.deadline = clock.steady_now() + std::chrono::seconds(30);
  Exchange ex(std::move(req), 0, clock);
  std::vector<bool> ok;
  Route r;
  r.method = "POST";
  r.pattern = "/t";
  r.handler = [&](Request&) {
    ok.push_back(static_cast<bool>(check_cancelled()));
    clock.advance(std::chrono::seconds(29));
    ok.push_back(static_cast<bool>(check_cancelled()));
    clock.advance(std::chrono::seconds(1));  // exactly at the deadline: passed
    Status s = check_cancelled();
    if (!s) throw VaultException(s.error());
    return Response::empty(204);
  };
  run_route(r, ex, DispatchDeps{});
  EXPECT_EQ(ok, (std::vector<bool>{true, true}));
  std::string_view chunk;
  ASSERT_EQ(ex.next_event(chunk), Exchange::Event::Final);
  EXPECT_EQ(ex.take_response().status, 504);
}

}  // namespace
}  // namespace vault::http
