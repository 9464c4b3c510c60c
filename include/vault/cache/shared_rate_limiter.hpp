#pragma once
/// Rate limits shared by every replica (spec rate_limits): the same token
/// buckets as resilience::RateLimiter (per tenant, then global, with the
/// same decision and headers), kept in Redis and updated by one Lua script
/// per request, on Redis's clock, so N replicas admit what one would.
///
/// Redis down, slow or refusing (the cache guard's breaker open, its
/// bulkhead full, a call past timeouts.cache.operation_timeout) never fails
/// a request: the decision falls back to this replica's own buckets, which
/// then admit up to the limits per replica (N × the limits in all, for as
/// long as Redis is away). fallbacks() counts those decisions.
#include "vault/cache/redis_client.hpp"
#include "vault/resilience/dependency_guard.hpp"
#include "vault/resilience/rate_limiter.hpp"

#include <atomic>
#include <string>
#include <vector>

namespace vault::cache {

class SharedRateLimiter final : public resilience::Admission {
 public:
  /// Buckets live under `key_prefix` + "t:" + tenant and + "global".
  /// `redis` and `guard` (the "cache" dependency) must outlive it.
  SharedRateLimiter(RedisClient& redis, resilience::DependencyGuard& guard, vault::RateLimit per_tenant,
                    vault::RateLimit global, std::string key_prefix = "vault:rl:",
                    const Clock& clock = system_clock());

  resilience::RateDecision admit(const std::string& tenant_id) override;

  /// Decisions taken by the local buckets because Redis was not usable.
  std::uint64_t fallbacks() const { return fallbacks_.load(std::memory_order_relaxed); }

 private:
  Result<resilience::RateDecision> admit_shared(const std::string& tenant_id);

  RedisClient& redis_;
  resilience::DependencyGuard& guard_;
  /// The script's ARGV: tenant rate and burst, global rate and burst
  /// (normalized; formatted once).
  const std::vector<std::string> limit_args_;
  const std::string prefix_;
  resilience::RateLimiter local_;
  std::atomic<std::uint64_t> fallbacks_{0};
};

}  // namespace vault::cache
