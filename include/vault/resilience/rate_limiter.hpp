#pragma once
/// Token buckets (spec rate_limits): each admits `requests_per_second` on
/// average and `burst` at once. RateLimiter keeps one bucket per tenant and
/// one global bucket; a request is admitted when both have a token (the
/// tenant's is checked first, so a noisy tenant spends its own budget, not
/// the global one). The decision carries what the X-RateLimit-* and
/// Retry-After headers need. Time is `clock`'s steady time; thread-safe.
#include "vault/core/clock.hpp"
#include "vault/core/resilience_settings.hpp"

#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>
#include <unordered_map>

namespace vault::resilience {

struct RateDecision {
  bool allowed = true;
  enum class Scope { None, Tenant, Global } refused_by = Scope::None;
  int limit = 0;      ///< X-RateLimit-Limit: the bucket size of the deciding bucket
  int remaining = 0;  ///< X-RateLimit-Remaining: whole tokens left after this request
  std::chrono::milliseconds reset{0};        ///< X-RateLimit-Reset: until the bucket is full again
  std::chrono::milliseconds retry_after{0};  ///< when refused: until one token is there
};

/// `l` as the buckets use it: a limited bucket holds at least one token.
RateLimit normalized(RateLimit l);

/// One bucket. Not thread-safe on its own (RateLimiter locks).
class TokenBucket {
 public:
  TokenBucket(RateLimit limit, Clock::steady_time now);
  /// Takes one token if there is one.
  RateDecision take(Clock::steady_time now);
  /// Whether a token is there (without taking it).
  bool has_token(Clock::steady_time now);
  /// Whether the bucket has refilled to its burst (then it is the same as a new one).
  bool full(Clock::steady_time now);

 private:
  void refill(Clock::steady_time now);
  RateLimit limit_;
  double tokens_;
  Clock::steady_time last_;
};

/// What the HTTP edge asks before it serves an authenticated request:
/// RateLimiter (this process's buckets) or cache::SharedRateLimiter (buckets
/// in Redis, shared by every replica). Thread-safe.
class Admission {
 public:
  virtual ~Admission() = default;
  virtual RateDecision admit(const std::string& tenant_id) = 0;
};

class RateLimiter final : public Admission {
 public:
  /// At most `max_tenants` tenant buckets are kept; beyond that, full
  /// (idle) ones are dropped first, which loses nothing.
  RateLimiter(RateLimit per_tenant, RateLimit global, const Clock& clock = system_clock(),
              std::size_t max_tenants = 100000);
  RateDecision admit(const std::string& tenant_id) override;

 private:
  void evict_idle(Clock::steady_time now);
  const RateLimit per_tenant_;
  const RateLimit global_limit_;
  const Clock& clock_;
  const std::size_t max_tenants_;
  std::mutex mu_;
  TokenBucket global_;
  std::unordered_map<std::string, TokenBucket> tenants_;
};

}  // namespace vault::resilience
