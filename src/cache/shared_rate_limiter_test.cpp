// SharedRateLimiter against the Redis of the test services: two limiters
// (two replicas) share one budget; Redis away falls back to local buckets.
#include "vault/cache/shared_rate_limiter.hpp"

#include "cache/cache_test_support.hpp"
#include "support/test_services.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace vault::cache {
namespace {

using resilience::RateDecision;
using vault::RateLimit;

resilience::DependencyGuardOptions cache_guard_options() {
  return testing_support::cache_guard_options(std::chrono::milliseconds(1000));
}

std::string fresh_prefix() { return testing_support::fresh_name("rl") + ":"; }

class SharedRateLimiterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto c = RedisClient::open(testing::redis_url());
    ASSERT_TRUE(c);
    redis_ = std::move(*c);
  }
  std::unique_ptr<RedisClient> redis_;
  resilience::DependencyGuard guard_{cache_guard_options(), nullptr};
};

TEST_F(SharedRateLimiterTest, TwoReplicasShareOneTenantBudget) {
  const auto prefix = fresh_prefix();
  // 0.01 tokens/s: nothing refills during the test.
  SharedRateLimiter a(*redis_, guard_, RateLimit{0.01, 10}, RateLimit{}, prefix);
  SharedRateLimiter b(*redis_, guard_, RateLimit{0.01, 10}, RateLimit{}, prefix);
  int admitted = 0;
  for (int i = 0; i < 20; ++i) {
    auto d = (i % 2 ? a : b).admit("tenant-1");
    if (d.allowed) ++admitted;
    else {
      EXPECT_EQ(d.refused_by, RateDecision::Scope::Tenant);
      EXPECT_EQ(d.limit, 10);
      EXPECT_EQ(d.remaining, 0);
      EXPECT_GT(d.retry_after.count(), 0);
    }
  }
  EXPECT_EQ(admitted, 10);  // one budget for both, not 10 each
  // Another tenant has a budget of its own.
  EXPECT_TRUE(a.admit("tenant-2").allowed);
  EXPECT_EQ(a.fallbacks() + b.fallbacks(), 0u);
}

TEST_F(SharedRateLimiterTest, DecisionCarriesTheHeadersValues) {
  SharedRateLimiter l(*redis_, guard_, RateLimit{1, 5}, RateLimit{}, fresh_prefix());
  auto d = l.admit("t");
  ASSERT_TRUE(d.allowed);
  EXPECT_EQ(d.limit, 5);
  EXPECT_EQ(d.remaining, 4);
  EXPECT_GT(d.reset.count(), 900);   // one token short: about a second to full
  EXPECT_LE(d.reset.count(), 1100);
}

TEST_F(SharedRateLimiterTest, GlobalBudgetSpansTenantsAndRefusalSpendsNothing) {
  const auto prefix = fresh_prefix();
  SharedRateLimiter a(*redis_, guard_, RateLimit{0.01, 3}, RateLimit{0.01, 4}, prefix);
  SharedRateLimiter b(*redis_, guard_, RateLimit{0.01, 3}, RateLimit{0.01, 4}, prefix);
  EXPECT_TRUE(a.admit("x").allowed);
  EXPECT_TRUE(b.admit("x").allowed);
  EXPECT_TRUE(a.admit("x").allowed);
  auto refused = b.admit("x");  // tenant x is out, the global bucket keeps its token
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.refused_by, RateDecision::Scope::Tenant);
  EXPECT_TRUE(a.admit("y").allowed);  // the 4th global token
  auto global = b.admit("z");
  EXPECT_FALSE(global.allowed);
  EXPECT_EQ(global.refused_by, RateDecision::Scope::Global);
  EXPECT_EQ(global.limit, 4);
}

TEST_F(SharedRateLimiterTest, TokensRefillOnRedisClock) {
  SharedRateLimiter l(*redis_, guard_, RateLimit{20, 2}, RateLimit{}, fresh_prefix());
  EXPECT_TRUE(l.admit("t").allowed);
  EXPECT_TRUE(l.admit("t").allowed);
  EXPECT_FALSE(l.admit("t").allowed);
  std::this_thread::sleep_for(std::chrono::milliseconds(120));  // 2.4 tokens
  EXPECT_TRUE(l.admit("t").allowed);
}

TEST_F(SharedRateLimiterTest, ScriptIsLoadedAgainAfterRedisForgotIt) {
  SharedRateLimiter l(*redis_, guard_, RateLimit{100, 100}, RateLimit{}, fresh_prefix());
  EXPECT_TRUE(l.admit("t").allowed);
  ASSERT_TRUE(redis_->command({"SCRIPT", "FLUSH"}));
  EXPECT_TRUE(l.admit("t").allowed);
  EXPECT_EQ(l.fallbacks(), 0u);
}

TEST(SharedRateLimiterFallback, RedisAwayFallsBackToLocalBuckets) {
  auto c = RedisClient::open("redis://127.0.0.1:1");
  ASSERT_TRUE(c);
  resilience::DependencyGuard guard(cache_guard_options(), nullptr);
  SharedRateLimiter l(**c, guard, RateLimit{0.01, 3}, RateLimit{}, fresh_prefix());
  int admitted = 0;
  for (int i = 0; i < 6; ++i) admitted += l.admit("t").allowed ? 1 : 0;
  EXPECT_EQ(admitted, 3);  // the same limits, kept by this replica alone
  EXPECT_EQ(l.fallbacks(), 6u);
}

}  // namespace
}  // namespace vault::cache
