// Token buckets per tenant and global on a ManualClock.
#include "vault/resilience/rate_limiter.hpp"

#include <gtest/gtest.h>

namespace vault::resilience {
namespace {

using namespace std::chrono_literals;
using Scope = RateDecision::Scope;

TEST(RateLimiter, ATenantGetsItsBurstThenItsRate) {
  ManualClock clock;
  RateLimiter rl({.requests_per_second = 10, .burst = 5}, {}, clock);
  for (int i = 0; i < 5; ++i) {
    auto d = rl.admit("t1");
    ASSERT_TRUE(d.allowed) << i;
    EXPECT_EQ(d.limit, 5);
    EXPECT_EQ(d.remaining, 4 - i);
  }
  auto refused = rl.admit("t1");
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.refused_by, Scope::Tenant);
  EXPECT_EQ(refused.retry_after, 100ms);  // one token at 10/s
  EXPECT_EQ(refused.reset, 500ms);        // the whole bucket
  clock.advance(100ms);
  EXPECT_TRUE(rl.admit("t1").allowed);
  EXPECT_FALSE(rl.admit("t1").allowed);
  clock.advance(10s);  // refills to the burst, not beyond
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(rl.admit("t1").allowed);
  EXPECT_FALSE(rl.admit("t1").allowed);
}

TEST(RateLimiter, ANoisyTenantDoesNotSpendAnotherTenantsTokens) {
  ManualClock clock;
  RateLimiter rl({.requests_per_second = 1, .burst = 3}, {.requests_per_second = 100, .burst = 100}, clock);
  int noisy_ok = 0;
  for (int i = 0; i < 50; ++i) noisy_ok += rl.admit("noisy").allowed;
  EXPECT_EQ(noisy_ok, 3);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(rl.admit("quiet").allowed);
}

TEST(RateLimiter, TheGlobalBucketBindsAllTenantsTogether) {
  ManualClock clock;
  RateLimiter rl({.requests_per_second = 100, .burst = 10}, {.requests_per_second = 2, .burst = 4}, clock);
  EXPECT_TRUE(rl.admit("a").allowed);
  EXPECT_TRUE(rl.admit("b").allowed);
  EXPECT_TRUE(rl.admit("c").allowed);
  EXPECT_TRUE(rl.admit("d").allowed);
  auto refused = rl.admit("e");
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.refused_by, Scope::Global);
  EXPECT_EQ(refused.limit, 4);
  EXPECT_EQ(refused.retry_after, 500ms);
  // A global refusal did not spend the tenant's token.
  clock.advance(500ms);
  auto d = rl.admit("e");
  EXPECT_TRUE(d.allowed);
}

TEST(RateLimiter, UnlimitedAdmitsEverything) {
  ManualClock clock;
  RateLimiter rl({}, {}, clock);
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(rl.admit("t").allowed);
}

TEST(RateLimiter, MemoryIsBoundedByDroppingIdleBuckets) {
  ManualClock clock;
  RateLimiter rl({.requests_per_second = 1, .burst = 2}, {}, clock, 100);
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(rl.admit("t" + std::to_string(i)).allowed);
  // A busy tenant is remembered across the churn while its bucket is not full.
  EXPECT_TRUE(rl.admit("busy").allowed);
  EXPECT_TRUE(rl.admit("busy").allowed);
  EXPECT_FALSE(rl.admit("busy").allowed);
}

}  // namespace
}  // namespace vault::resilience
