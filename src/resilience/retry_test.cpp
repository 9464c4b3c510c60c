// Backoff, jitter bounds, the retry budget and the retry loop's bounds on a ManualClock.
#include "vault/resilience/retry.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace vault::resilience {
namespace {

using namespace std::chrono_literals;

TEST(Retry, BackoffGrowsByTheMultiplierUpToTheCapWithBoundedJitter) {
  RetryPolicy p;  // 100 ms, x2, cap 5 s, jitter 0.5
  EXPECT_EQ(backoff_delay(p, 0, 0.0), 100ms);
  EXPECT_EQ(backoff_delay(p, 1, 0.0), 200ms);
  EXPECT_EQ(backoff_delay(p, 2, 0.0), 400ms);
  EXPECT_EQ(backoff_delay(p, 10, 0.0), 5000ms);
  EXPECT_EQ(backoff_delay(p, 0, 0.999999), 149ms);  // < delay * (1 + jitter)
  EXPECT_EQ(backoff_delay(p, 10, 0.999999), 7499ms);
  EXPECT_EQ(backoff_delay(p, 1, 7.0), 300ms);  // u is clamped to [0, 1]
  for (int n = 0; n < 20; ++n)
    for (double u : {0.0, 0.25, 0.5, 0.75, 0.9999}) {
      const auto d = backoff_delay(p, n, u);
      const auto base = backoff_delay(p, n, 0.0);
      EXPECT_GE(d, base);
      EXPECT_LE(d.count(), base.count() * 3 / 2);
    }
}

TEST(Retry, OnlyErrorsThatMaySucceedLaterAreRetried) {
  for (ErrorKind k : {ErrorKind::Timeout, ErrorKind::ServiceUnavailable, ErrorKind::Database, ErrorKind::KeyProvider,
                      ErrorKind::Overloaded, ErrorKind::RateLimitExceeded, ErrorKind::CircuitOpen})
    EXPECT_TRUE(is_retryable(Error(k, "x"))) << error_code_string(k);
  for (ErrorKind k : {ErrorKind::Validation, ErrorKind::Authentication, ErrorKind::RecordNotFound,
                      ErrorKind::Conflict, ErrorKind::DecryptionOperation, ErrorKind::InternalServer,
                      ErrorKind::DeadlineExceeded})
    EXPECT_FALSE(is_retryable(Error(k, "x"))) << error_code_string(k);
  EXPECT_FALSE(is_retryable(Error(ErrorKind::Transient, "gone", {{"cancelled", true}})));
  EXPECT_FALSE(is_retryable(Error(ErrorKind::Database, "may have been applied", {{"retryable", false}})));
  EXPECT_TRUE(is_retryable(Error(ErrorKind::Database, "x", {{"retryable", true}})));
}

TEST(Retry, RetryOnAndDoNotRetryComeFromThePolicy) {
  RetryPolicy p;
  p.retry_on = {"DatabaseError"};
  p.do_not_retry = {};
  EXPECT_TRUE(is_retryable(Error(ErrorKind::Database, "x"), p));
  EXPECT_FALSE(is_retryable(Error(ErrorKind::KeyProvider, "x"), p));
  p.retry_on = {"ServerError"};
  p.do_not_retry = {"ServiceUnavailableError"};  // the exclusion wins
  EXPECT_FALSE(is_retryable(Error(ErrorKind::Database, "x"), p));
  EXPECT_TRUE(is_retryable(Error(ErrorKind::Dependency, "x"), p));  // 502
  EXPECT_FALSE(is_retryable(Error(ErrorKind::DeadlineExceeded, "x"), p));  // never
}

struct Harness {
  ManualClock clock;
  std::vector<std::chrono::milliseconds> slept;
  RetryContext ctx() {
    RetryContext c;
    c.clock = &clock;
    c.sleep = [this](std::chrono::milliseconds d) {
      slept.push_back(d);
      clock.advance(d);
    };
    c.random = [] { return 0.0; };
    return c;
  }
};

TEST(Retry, RetriesATransientFailureUntilItSucceeds) {
  Harness h;
  int calls = 0;
  auto r = with_retries(h.ctx(), Idempotency::Idempotent, [&]() -> Result<int> {
    if (++calls < 3) return std::unexpected(Error(ErrorKind::Timeout, "slow"));
    return 7;
  });
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, 7);
  EXPECT_EQ(h.slept, (std::vector<std::chrono::milliseconds>{100ms, 200ms}));
}

TEST(Retry, StopsAtMaxAttemptsAndSaysHowManyWereMade) {
  Harness h;
  int calls = 0;
  auto r = with_retries(h.ctx(), Idempotency::Idempotent, [&]() -> Status {
    ++calls;
    return fail(ErrorKind::Database, "down");
  });
  EXPECT_EQ(calls, 3);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().details().at("attempts").as_int64(), 3);
}

TEST(Retry, NonIdempotentOperationsAndPermanentErrorsGetOneAttempt) {
  Harness h;
  int calls = 0;
  auto transient = [&]() -> Status {
    ++calls;
    return fail(ErrorKind::Timeout, "slow");
  };
  EXPECT_FALSE(with_retries(h.ctx(), Idempotency::NonIdempotent, transient));
  EXPECT_EQ(calls, 1);
  calls = 0;
  EXPECT_FALSE(with_retries(h.ctx(), Idempotency::Idempotent, [&]() -> Status {
    ++calls;
    return fail(ErrorKind::Validation, "bad");
  }));
  EXPECT_EQ(calls, 1);
  EXPECT_TRUE(h.slept.empty());
}

TEST(Retry, NeverWaitsPastTheDeadline) {
  Harness h;
  auto c = h.ctx();
  c.deadline = h.clock.steady_now() + 250ms;  // room for the 100 ms wait, not for the 200 ms one
  int calls = 0;
  auto r = with_retries(c, Idempotency::Idempotent, [&]() -> Status {
    ++calls;
    return fail(ErrorKind::ServiceUnavailable, "busy");
  });
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(h.slept, (std::vector<std::chrono::milliseconds>{100ms}));
  EXPECT_EQ(r.error().details().at("attempts").as_int64(), 2);
}

TEST(Retry, HonoursRetryAfterWhenItIsLongerThanTheBackoff) {
  Harness h;
  int calls = 0;
  auto r = with_retries(h.ctx(), Idempotency::Idempotent, [&]() -> Status {
    if (++calls == 1) return std::unexpected(Error(ErrorKind::RateLimitExceeded, "slow down").with_retry_after(2));
    return {};
  });
  EXPECT_TRUE(r);
  EXPECT_EQ(h.slept, (std::vector<std::chrono::milliseconds>{2000ms}));
}

TEST(Retry, TheBudgetCapsRetriesDuringAnOutageAndRefillsOverTime) {
  Harness h;
  RetryBudget budget({.ratio = 0.1, .min_per_second = 1, .max_tokens = 3}, h.clock);
  auto c = h.ctx();
  c.budget = &budget;
  c.sleep = [](std::chrono::milliseconds) {};  // time stands still: no refill while retrying
  int calls = 0;
  auto down = [&]() -> Status {
    ++calls;
    return fail(ErrorKind::Database, "down");
  };
  for (int i = 0; i < 10; ++i) (void)with_retries(c, Idempotency::Idempotent, down);
  // 10 first attempts; retries only while whole tokens last: the 3 of the
  // start (the first deposit is capped away) and one from the next deposit;
  // the later deposits of 0.1 add up to less than another.
  EXPECT_EQ(calls, 10 + 3);
  EXPECT_LT(budget.tokens(), 1.0);
  h.clock.advance(2s);  // 1 token a second comes back
  EXPECT_GE(budget.tokens(), 2.0);
}

TEST(Retry, PolicyIsValidated) {
  EXPECT_TRUE(validate(RetryPolicy{}));
  EXPECT_FALSE(validate(RetryPolicy{.max_attempts = 0}));
  EXPECT_FALSE(validate(RetryPolicy{.initial_delay = 10s, .max_delay = 1s}));
  EXPECT_FALSE(validate(RetryPolicy{.multiplier = 0.5}));
  EXPECT_FALSE(validate(RetryPolicy{.jitter = 1.5}));
}

}  // namespace
}  // namespace vault::resilience
