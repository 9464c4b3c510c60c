// DependencyGuard: the order deadline → breaker → bulkhead → faults → call,
// with real faults and real (short) waits; and the fault injector itself.
#include "vault/resilience/dependency_guard.hpp"

#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <vector>
#include <future>
#include <thread>

namespace vault::resilience {
namespace {

using namespace std::chrono_literals;

DependencyGuardOptions options(std::chrono::milliseconds op_timeout = 200ms) {
  DependencyGuardOptions o;
  o.dependency = "metadata_store";
  o.error_kind = ErrorKind::Database;
  o.breaker.failure_threshold = 3;
  o.breaker.failure_window = 60s;
  o.breaker.open_duration = 30s;
  o.breaker.half_open_requests = 1;
  o.breaker.half_open_success_threshold = 1;
  o.bulkhead = {.max_concurrent = 2, .queue_size = 0, .timeout = 1s};
  o.operation_timeout = op_timeout;
  o.retry.policy.max_attempts = 1;  // retries have their own tests
  o.retry.idempotent_writes_max_attempts = 1;
  return o;
}

Fault fault(FaultKind k, double percent = 100, std::chrono::milliseconds latency = 0ms) {
  return Fault{"metadata_store", k, latency, percent};
}

Result<int> ok() { return 7; }

std::chrono::milliseconds since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0);
}

TEST(DependencyGuard, InjectedErrorsOpenTheBreakerThenCallsFailFastWithoutRunning) {
  ManualClock clock;
  FaultInjector faults(true);
  DependencyGuard g(options(), &faults, clock);
  ASSERT_TRUE(faults.set(fault(FaultKind::Error)));
  for (int i = 0; i < 3; ++i) {
    auto r = g.call(ok);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind(), ErrorKind::Database);  // the dependency's own class
    EXPECT_TRUE(r.error().details().at("injected").as_bool());
  }
  EXPECT_EQ(g.breaker().state(), CircuitState::Open);
  faults.clear();
  int runs = 0;
  auto r = g.call([&]() -> Result<int> { ++runs; return 1; });
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind(), ErrorKind::CircuitOpen);
  EXPECT_EQ(runs, 0);
  // after open_duration one probe closes it again (the fault is gone)
  clock.advance(31s);
  EXPECT_TRUE(g.call(ok));
  EXPECT_EQ(g.breaker().state(), CircuitState::Closed);
}

TEST(DependencyGuard, AHangEndsAtTheOperationTimeoutAsATimeout) {
  FaultInjector faults(true);
  DependencyGuard g(options(150ms), &faults);
  ASSERT_TRUE(faults.set(fault(FaultKind::Hang)));
  const auto t0 = std::chrono::steady_clock::now();
  auto r = g.call(ok);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind(), ErrorKind::Timeout);
  EXPECT_GE(since(t0), 140ms);
  EXPECT_LT(since(t0), 2s);
}

TEST(DependencyGuard, AHangNeverOutlivesTheRequestDeadline) {
  FaultInjector faults(true);
  DependencyGuard g(options(10s), &faults);
  ASSERT_TRUE(faults.set(fault(FaultKind::Hang)));
  Cancellation request(std::chrono::steady_clock::now() + 100ms);
  CancellationScope scope(&request);
  const auto t0 = std::chrono::steady_clock::now();
  auto r = g.call(ok);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind(), ErrorKind::DeadlineExceeded);
  EXPECT_LT(since(t0), 2s);  // not the 10 s operation timeout
}

TEST(DependencyGuard, AClientThatLeftStopsTheWaitAndNothingRunsForIt) {
  FaultInjector faults(true);
  DependencyGuard g(options(10s), &faults);
  ASSERT_TRUE(faults.set(fault(FaultKind::Hang)));
  Cancellation request;
  auto leaver = std::async(std::launch::async, [&] {
    std::this_thread::sleep_for(80ms);
    request.cancel();
  });
  CancellationScope scope(&request);
  const auto t0 = std::chrono::steady_clock::now();
  auto r = g.call(ok);
  ASSERT_FALSE(r);
  EXPECT_TRUE(is_cancellation(r.error()));
  EXPECT_LT(since(t0), 2s);
  leaver.get();
  // the request is gone: the next call does not even start, and a
  // cancellation never counts against the dependency
  int runs = 0;
  EXPECT_FALSE(g.call([&]() -> Result<int> { ++runs; return 1; }));
  EXPECT_EQ(runs, 0);
  EXPECT_EQ(g.breaker().state(), CircuitState::Closed);
}

TEST(DependencyGuard, LatencyDelaysThenCalls) {
  FaultInjector faults(true);
  DependencyGuard g(options(), &faults);
  ASSERT_TRUE(faults.set(fault(FaultKind::Latency, 100, 120ms)));
  const auto t0 = std::chrono::steady_clock::now();
  auto r = g.call(ok);
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, 7);
  EXPECT_GE(since(t0), 110ms);
}

TEST(DependencyGuard, AFullBulkheadRefusesAtOnce) {
  DependencyGuard g(options(), nullptr);
  std::promise<void> release;
  std::shared_future<void> go = release.get_future().share();
  std::atomic<int> inside{0};
  auto slow = [&]() -> Result<int> {
    ++inside;
    go.wait();
    return 1;
  };
  auto a = std::async(std::launch::async, [&] { return g.call(slow).has_value(); });
  auto b = std::async(std::launch::async, [&] { return g.call(slow).has_value(); });
  while (inside.load() < 2) std::this_thread::yield();
  auto refused = g.call(ok);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().kind(), ErrorKind::Overloaded);
  release.set_value();
  EXPECT_TRUE(a.get());
  EXPECT_TRUE(b.get());
  EXPECT_EQ(g.breaker().state(), CircuitState::Closed);  // our own refusal counts nothing
}

TEST(DependencyGuard, ProbesSeeFaultsButNotTheBreaker) {
  ManualClock clock;
  FaultInjector faults(true);
  DependencyGuard g(options(), &faults, clock);
  ASSERT_TRUE(faults.set(fault(FaultKind::Error)));
  for (int i = 0; i < 3; ++i) (void)g.call(ok);
  ASSERT_EQ(g.breaker().state(), CircuitState::Open);
  EXPECT_EQ(g.probe(ok).error().kind(), ErrorKind::Database);  // the sick dependency shows
  faults.clear();
  EXPECT_TRUE(g.probe(ok));  // an open breaker does not refuse the health check
}

struct Recorded {
  std::string operation;
  std::string error_type;  ///< "" on success
  std::uint64_t bytes;
};

class RecordingObserver final : public CallObserver {
 public:
  void on_call(std::string_view dependency, std::string_view backend, std::string_view operation,
               const Error* error, double seconds, std::uint64_t bytes) override {
    EXPECT_EQ(dependency, "metadata_store");
    EXPECT_EQ(backend, "sqlite");
    EXPECT_GE(seconds, 0.0);
    calls.push_back({std::string(operation), error ? std::string(error_info(error->kind()).type) : "", bytes});
  }
  void on_retry(std::string_view, std::string_view outcome) override { retries.emplace_back(outcome); }
  std::vector<Recorded> calls;
  std::vector<std::string> retries;
};

/// Retries with real waits (a ManualClock would never end a backoff).
DependencyGuardOptions retrying(int max_attempts = 3) {
  auto o = options();
  o.retry.idempotent_writes_max_attempts = 5;
  o.backend = "sqlite";
  o.breaker.failure_threshold = 100;
  o.retry.policy.max_attempts = max_attempts;
  o.retry.policy.initial_delay = 1ms;
  o.retry.policy.max_delay = 5ms;
  return o;
}

/// Fails with `kind` the first `failures` times, then returns 7.
auto flaky(int failures, ErrorKind kind, int& runs) {
  return [failures, kind, &runs]() -> Result<int> {
    if (runs++ < failures) return fail(kind, "flaky");
    return 7;
  };
}

TEST(DependencyGuard, ARetryableFailureIsRetriedWithBackoffUntilItSucceeds) {
  DependencyGuard g(retrying(), nullptr);
  RecordingObserver rec;
  g.set_observer(&rec);
  int runs = 0;
  auto r = g.call("read", CallKind::Read, flaky(2, ErrorKind::Timeout, runs));
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, 7);
  EXPECT_EQ(runs, 3);
  EXPECT_EQ(rec.retries, (std::vector<std::string>{"retried", "retried", "recovered"}));
  ASSERT_EQ(rec.calls.size(), 1u);  // one observed operation, its retries inside
  EXPECT_EQ(rec.calls[0].error_type, "");
  // max_attempts bounds it; the error says how many were made
  runs = 0;
  rec.retries.clear();
  auto gave_up = g.call("read", CallKind::Read, flaky(5, ErrorKind::Timeout, runs));
  ASSERT_FALSE(gave_up);
  EXPECT_EQ(runs, 3);
  EXPECT_EQ(gave_up.error().details().at("attempts").as_int64(), 3);
  EXPECT_EQ(rec.retries.back(), "exhausted");
}

TEST(DependencyGuard, WritesGetTheirOwnAttemptsAndNonIdempotentOnesNone) {
  auto o = retrying();
  o.retry.idempotent_writes_max_attempts = 5;
  DependencyGuard g(o, nullptr);
  int runs = 0;
  EXPECT_TRUE(g.call(CallKind::IdempotentWrite, flaky(4, ErrorKind::Database, runs)));
  EXPECT_EQ(runs, 5);  // a store error is a ConnectionError: retried
  runs = 0;
  EXPECT_FALSE(g.call(CallKind::Read, flaky(4, ErrorKind::Timeout, runs)));
  EXPECT_EQ(runs, 3);
  runs = 0;
  EXPECT_FALSE(g.call(CallKind::NonIdempotentWrite, flaky(1, ErrorKind::Timeout, runs)));
  EXPECT_EQ(runs, 1);
}

TEST(DependencyGuard, NeitherClientErrorsNorTheGuardsOwnRefusalsAreRetried) {
  auto o = retrying();
  o.breaker.failure_threshold = 1;
  DependencyGuard g(o, nullptr);
  int runs = 0;
  EXPECT_FALSE(g.call(flaky(1, ErrorKind::Validation, runs)));
  EXPECT_EQ(runs, 1);
  runs = 0;
  EXPECT_FALSE(g.call(flaky(1, ErrorKind::ResourceNotFound, runs)));
  EXPECT_EQ(runs, 1);
  runs = 0;
  auto opened = g.call(flaky(9, ErrorKind::Timeout, runs));  // the first failure opens the breaker
  ASSERT_FALSE(opened);
  EXPECT_EQ(runs, 1);  // the retry met the open breaker and stopped there
  EXPECT_EQ(opened.error().kind(), ErrorKind::Timeout);  // answering with the dependency's own failure
  EXPECT_EQ(opened.error().details().at("attempts").as_int64(), 1);
  EXPECT_EQ(g.call(ok).error().kind(), ErrorKind::CircuitOpen);  // the next call is refused at once
}

TEST(DependencyGuard, TheRetryBudgetCapsRetriesAcrossCalls) {
  auto o = retrying();
  o.retry_budget = {.ratio = 0, .min_per_second = 0, .max_tokens = 2};
  DependencyGuard g(o, nullptr);
  RecordingObserver rec;
  g.set_observer(&rec);
  int runs = 0;
  (void)g.call("read", CallKind::Read, flaky(99, ErrorKind::Timeout, runs));  // 3 attempts: 2 tokens spent
  EXPECT_EQ(runs, 3);
  runs = 0;
  auto r = g.call("read", CallKind::Read, flaky(99, ErrorKind::Timeout, runs));
  EXPECT_EQ(runs, 1);  // no token left: the outage gets no extra load
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind(), ErrorKind::Timeout);
  EXPECT_EQ(rec.retries.back(), "budget_exhausted");
}

TEST(DependencyGuard, NoRetryStartsThatCouldNotEndBeforeTheDeadline) {
  auto o = retrying();
  o.retry.policy.initial_delay = 500ms;
  o.retry.policy.max_delay = 500ms;
  DependencyGuard g(o, nullptr);
  Cancellation request(std::chrono::steady_clock::now() + 100ms);
  CancellationScope scope(&request);
  int runs = 0;
  const auto t0 = std::chrono::steady_clock::now();
  auto r = g.call(flaky(9, ErrorKind::Timeout, runs));
  ASSERT_FALSE(r);
  EXPECT_EQ(runs, 1);
  EXPECT_EQ(r.error().kind(), ErrorKind::Timeout);
  EXPECT_LT(since(t0), 90ms);  // answered at once, not after a useless wait
}

TEST(DependencyGuard, ObservedCallsReportOperationOutcomeAndBytesIncludingRefusals) {
  ManualClock clock;
  FaultInjector faults(true);
  auto o = options();
  o.backend = "sqlite";
  DependencyGuard g(o, &faults, clock);
  RecordingObserver rec;
  g.set_observer(&rec);
  auto r = g.call("read", CallKind::Read, [] { return Result<std::string>("12345"); },
                  [](const Result<std::string>& v) { return std::uint64_t{v->size()}; });
  ASSERT_TRUE(r);
  ASSERT_TRUE(faults.set(fault(FaultKind::Error)));
  for (int i = 0; i < 4; ++i) (void)g.call("write", CallKind::IdempotentWrite, ok);  // 3 failures open the breaker, the 4th is refused
  ASSERT_EQ(rec.calls.size(), 5u);
  EXPECT_EQ(rec.calls[0].operation, "read");
  EXPECT_EQ(rec.calls[0].error_type, "");
  EXPECT_EQ(rec.calls[0].bytes, 5u);
  EXPECT_EQ(rec.calls[1].error_type, "DatabaseError");
  EXPECT_EQ(rec.calls[4].error_type, "CircuitOpenError");
  EXPECT_EQ(g.call(ok).error().kind(), ErrorKind::CircuitOpen);  // unobserved form
  EXPECT_EQ(rec.calls.size(), 5u);
}

TEST(FaultInjector, PercentDecidesTheShareOfCallsHit) {
  FaultInjector faults(true);
  ASSERT_TRUE(faults.set(fault(FaultKind::Error, 0)));
  for (int i = 0; i < 200; ++i) EXPECT_FALSE(faults.draw("metadata_store"));
  ASSERT_TRUE(faults.set(fault(FaultKind::Error, 50)));
  int hit = 0;
  for (int i = 0; i < 2000; ++i) hit += faults.draw("metadata_store").has_value();
  EXPECT_GT(hit, 800);
  EXPECT_LT(hit, 1200);
  EXPECT_FALSE(faults.draw("blob_store"));
}

TEST(FaultInjector, DisabledRefusesToSetAndParseChecksEveryField) {
  FaultInjector off(false);
  EXPECT_FALSE(off.set(fault(FaultKind::Error)));
  EXPECT_TRUE(off.list().empty());

  auto f = parse_fault({{"dependency", "key_provider"}, {"kind", "latency"}, {"latency_ms", 250}, {"percent", 30}});
  ASSERT_TRUE(f) << f.error().message();
  EXPECT_EQ(f->kind, FaultKind::Latency);
  EXPECT_EQ(f->latency.count(), 250);
  EXPECT_DOUBLE_EQ(f->percent, 30);
  EXPECT_EQ(fault_json(*f).at("kind").as_string(), "latency");
  for (const boost::json::object& bad : {
           boost::json::object{{"kind", "error"}},
           boost::json::object{{"dependency", "mainframe"}, {"kind", "error"}},
           boost::json::object{{"dependency", "cache"}, {"kind", "melt"}},
           boost::json::object{{"dependency", "cache"}, {"kind", "latency"}},
           boost::json::object{{"dependency", "cache"}, {"kind", "error"}, {"percent", 101}},
           boost::json::object{{"dependency", "cache"}, {"kind", "error"}, {"extra", 1}},
       }) {
    auto r = parse_fault(bad);
    ASSERT_FALSE(r) << boost::json::serialize(bad);
    EXPECT_EQ(r.error().kind(), ErrorKind::Validation);
  }
}

}  // namespace
}  // namespace vault::resilience
