// The circuit breaker's state machine on a ManualClock.
#include "vault/resilience/circuit_breaker.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <vector>

namespace vault::resilience {
namespace {

using namespace std::chrono_literals;

const Error kDown(ErrorKind::Database, "down");
const Error kNotFound(ErrorKind::RecordNotFound, "no such record");

CircuitBreakerConfig config() {
  CircuitBreakerConfig c;
  c.failure_threshold = 3;
  c.failure_window = 10s;
  c.open_duration = 30s;
  c.half_open_requests = 2;
  c.half_open_success_threshold = 2;
  return c;
}

void fail_once(CircuitBreaker& b, const Error& e = kDown) {
  auto p = b.acquire();
  ASSERT_TRUE(p);
  p->failure(e);
}

void succeed_once(CircuitBreaker& b) {
  auto p = b.acquire();
  ASSERT_TRUE(p);
  p->success();
}

TEST(CircuitBreaker, OpensAtTheThresholdWithinTheWindowAndFailsFast) {
  ManualClock clock;
  CircuitBreaker b("metadata_store", config(), clock);
  std::vector<CircuitState> seen;
  b.on_state_change([&](CircuitState s) { seen.push_back(s); });
  fail_once(b);
  fail_once(b);
  EXPECT_EQ(b.state(), CircuitState::Closed);
  fail_once(b);
  EXPECT_EQ(b.state(), CircuitState::Open);
  auto refused = b.acquire();
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().kind(), ErrorKind::CircuitOpen);
  EXPECT_EQ(refused.error().retry_after(), 30);
  EXPECT_EQ(refused.error().details().at("dependency").as_string(), "metadata_store");
  clock.advance(20500ms);
  EXPECT_EQ(b.acquire().error().retry_after(), 10);  // 9.5 s left, rounded up
  EXPECT_EQ(seen, (std::vector<CircuitState>{CircuitState::Open}));
}

TEST(CircuitBreaker, FailuresOutsideTheWindowDoNotAddUp) {
  ManualClock clock;
  CircuitBreaker b("kms", config(), clock);
  fail_once(b);
  fail_once(b);
  clock.advance(10s);  // both leave the window exactly now
  fail_once(b);
  EXPECT_EQ(b.state(), CircuitState::Closed);
  clock.advance(9999ms);
  fail_once(b);
  EXPECT_EQ(b.state(), CircuitState::Closed);  // 2 in the window
  fail_once(b);
  EXPECT_EQ(b.state(), CircuitState::Open);
}

TEST(CircuitBreaker, ClientErrorsAndOwnRefusalsNeverCount) {
  ManualClock clock;
  CircuitBreaker b("metadata_store", config(), clock);
  for (int i = 0; i < 10; ++i) fail_once(b, kNotFound);
  for (int i = 0; i < 10; ++i) fail_once(b, Error(ErrorKind::Validation, "bad"));
  for (int i = 0; i < 10; ++i) fail_once(b, Error(ErrorKind::Overloaded, "full"));
  for (int i = 0; i < 10; ++i) fail_once(b, Error(ErrorKind::Transient, "gone", {{"cancelled", true}}));
  EXPECT_EQ(b.state(), CircuitState::Closed);
  EXPECT_TRUE(counts_as_failure(Error(ErrorKind::Timeout, "slow")));
  EXPECT_TRUE(counts_as_failure(Error(ErrorKind::InternalServer, "bug")));
  EXPECT_FALSE(counts_as_failure(Error(ErrorKind::CircuitOpen, "open")));
  EXPECT_FALSE(counts_as_failure(Error(ErrorKind::ConcurrentModification, "race")));
}

TEST(CircuitBreaker, CountAsFailureAndIgnoreErrorsComeFromTheConfig) {
  CircuitBreakerConfig c;
  c.count_as_failure = {"TimeoutError"};
  c.ignore_errors = {"ClientError"};
  EXPECT_TRUE(counts_as_failure(Error(ErrorKind::Timeout, "slow"), c));
  EXPECT_FALSE(counts_as_failure(Error(ErrorKind::Database, "down"), c));
  c.count_as_failure = {"ServerError"};
  c.ignore_errors = {"KeyProviderError"};
  EXPECT_TRUE(counts_as_failure(Error(ErrorKind::Database, "down"), c));
  EXPECT_FALSE(counts_as_failure(Error(ErrorKind::KeyProvider, "hsm says no"), c));
  EXPECT_FALSE(counts_as_failure(Error(ErrorKind::Overloaded, "ours"), c));  // our own refusal, always
}

TEST(CircuitBreaker, HalfOpenLetsALimitedNumberOfProbesThroughAndClosesOnSuccesses) {
  ManualClock clock;
  std::vector<CircuitState> seen;
  CircuitBreaker b("blob_store", config(), clock);
  b.on_state_change([&](CircuitState s) { seen.push_back(s); });
  for (int i = 0; i < 3; ++i) fail_once(b);
  clock.advance(30s);
  EXPECT_EQ(b.state(), CircuitState::HalfOpen);
  auto p1 = b.acquire();
  auto p2 = b.acquire();
  ASSERT_TRUE(p1 && p2);
  auto third = b.acquire();  // only two probes at a time
  ASSERT_FALSE(third);
  EXPECT_EQ(third.error().kind(), ErrorKind::CircuitOpen);
  p1->success();
  EXPECT_EQ(b.state(), CircuitState::HalfOpen);
  p2->failure(kNotFound);  // the dependency answered: a sign of health
  EXPECT_EQ(b.state(), CircuitState::Closed);
  EXPECT_EQ(seen, (std::vector<CircuitState>{CircuitState::Open, CircuitState::HalfOpen, CircuitState::Closed}));
  // Closed again with a clean window.
  fail_once(b);
  fail_once(b);
  EXPECT_EQ(b.state(), CircuitState::Closed);
}

TEST(CircuitBreaker, AFailedProbeReopensForAnotherFullOpenDuration) {
  ManualClock clock;
  CircuitBreaker b("kms", config(), clock);
  for (int i = 0; i < 3; ++i) fail_once(b);
  clock.advance(31s);
  auto probe = b.acquire();
  ASSERT_TRUE(probe);
  auto other = b.acquire();
  ASSERT_TRUE(other);
  probe->failure(Error(ErrorKind::Timeout, "slow"));
  EXPECT_EQ(b.state(), CircuitState::Open);
  other->success();  // a probe of the previous half-open period: ignored
  EXPECT_EQ(b.state(), CircuitState::Open);
  EXPECT_EQ(b.acquire().error().retry_after(), 30);
  clock.advance(29s);
  EXPECT_EQ(b.state(), CircuitState::Open);
  clock.advance(1s);
  EXPECT_EQ(b.state(), CircuitState::HalfOpen);
}

TEST(CircuitBreaker, AnAbandonedProbeFreesItsSlot) {
  ManualClock clock;
  CircuitBreaker b("kms", config(), clock);
  for (int i = 0; i < 3; ++i) fail_once(b);
  clock.advance(30s);
  {
    auto p1 = b.acquire();
    auto p2 = b.acquire();
    ASSERT_TRUE(p1 && p2);
    EXPECT_FALSE(b.acquire());
  }  // both dropped without a verdict
  auto p3 = b.acquire();
  ASSERT_TRUE(p3);
  p3->success();
  succeed_once(b);
  EXPECT_EQ(b.state(), CircuitState::Closed);
}

TEST(CircuitBreaker, ALateResultFromBeforeTheBreakerOpenedIsIgnored) {
  ManualClock clock;
  CircuitBreaker b("metadata_store", config(), clock);
  auto slow = b.acquire();  // admitted while closed
  ASSERT_TRUE(slow);
  for (int i = 0; i < 3; ++i) fail_once(b);
  clock.advance(30s);
  EXPECT_EQ(b.state(), CircuitState::HalfOpen);
  slow->success();  // neither counts as a probe nor closes it
  EXPECT_EQ(b.state(), CircuitState::HalfOpen);
}

TEST(CircuitBreaker, CallWrapsAResultAndShortCircuitsWhenOpen) {
  ManualClock clock;
  CircuitBreaker b("metadata_store", config(), clock);
  int calls = 0;
  auto failing = [&]() -> Result<int> {
    ++calls;
    return std::unexpected(kDown);
  };
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(b.call(failing));
  EXPECT_EQ(calls, 3);
  auto r = b.call(failing);
  EXPECT_EQ(calls, 3);  // not called: failing fast
  EXPECT_EQ(r.error().kind(), ErrorKind::CircuitOpen);
  clock.advance(30s);
  auto ok = b.call([]() -> Status { return {}; });
  EXPECT_TRUE(ok);
}

TEST(CircuitBreaker, ConfigIsValidated) {
  EXPECT_TRUE(validate(config()));
  auto c = config();
  c.half_open_success_threshold = 3;  // more than the probes allowed
  EXPECT_FALSE(validate(c));
  c = config();
  c.failure_threshold = 0;
  EXPECT_FALSE(validate(c));
  c = config();
  c.open_duration = 0s;
  EXPECT_FALSE(validate(c));
}

}  // namespace
}  // namespace vault::resilience
