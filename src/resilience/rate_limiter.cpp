#include "vault/resilience/rate_limiter.hpp"

#include <algorithm>
#include <cmath>
#include <iterator>

namespace vault::resilience {
namespace {

std::chrono::milliseconds millis(double seconds) {
  return std::chrono::milliseconds(static_cast<std::int64_t>(std::ceil(seconds * 1000.0)));
}

}  // namespace

RateLimit normalized(RateLimit l) {
  if (l.limited()) l.burst = std::max(1.0, l.burst);
  return l;
}

TokenBucket::TokenBucket(RateLimit limit, Clock::steady_time now)
    : limit_(normalized(limit)), tokens_(limit_.burst), last_(now) {}

void TokenBucket::refill(Clock::steady_time now) {
  const double secs = std::chrono::duration<double>(now - last_).count();
  if (secs > 0) tokens_ = std::min(limit_.burst, tokens_ + secs * limit_.requests_per_second);
  last_ = std::max(last_, now);
}

bool TokenBucket::has_token(Clock::steady_time now) {
  if (!limit_.limited()) return true;
  refill(now);
  return tokens_ >= 1.0;
}

bool TokenBucket::full(Clock::steady_time now) {
  if (!limit_.limited()) return true;
  refill(now);
  return tokens_ >= limit_.burst;
}

RateDecision TokenBucket::take(Clock::steady_time now) {
  RateDecision d;
  if (!limit_.limited()) return d;
  refill(now);
  d.limit = static_cast<int>(limit_.burst);
  if (tokens_ >= 1.0) {
    tokens_ -= 1.0;
    d.allowed = true;
  } else {
    d.allowed = false;
    d.retry_after = millis((1.0 - tokens_) / limit_.requests_per_second);
  }
  d.remaining = static_cast<int>(std::floor(tokens_));
  d.reset = millis((limit_.burst - tokens_) / limit_.requests_per_second);
  return d;
}

RateLimiter::RateLimiter(RateLimit per_tenant, RateLimit global, const Clock& clock, std::size_t max_tenants)
    : per_tenant_(per_tenant),
      global_limit_(global),
      clock_(clock),
      max_tenants_(std::max<std::size_t>(1, max_tenants)),
      global_(global, clock.steady_now()) {}

void RateLimiter::evict_idle(Clock::steady_time now) {
  for (auto it = tenants_.begin(); it != tenants_.end();) it = it->second.full(now) ? tenants_.erase(it) : std::next(it);
  if (tenants_.size() >= max_tenants_) tenants_.clear();  // all busy: start over (fails open, bounded memory)
}

RateDecision RateLimiter::admit(const std::string& tenant_id) {
  std::lock_guard lock(mu_);
  const auto now = clock_.steady_now();
  RateDecision tenant;
  if (per_tenant_.limited()) {
    auto it = tenants_.find(tenant_id);
    if (it == tenants_.end()) {
      if (tenants_.size() >= max_tenants_) evict_idle(now);
      it = tenants_.emplace(tenant_id, TokenBucket(per_tenant_, now)).first;
    }
    // The global bucket must have room too before the tenant's token is spent.
    if (global_limit_.limited() && !global_.has_token(now)) {
      auto g = global_.take(now);
      g.refused_by = RateDecision::Scope::Global;
      return g;
    }
    tenant = it->second.take(now);
    if (!tenant.allowed) {
      tenant.refused_by = RateDecision::Scope::Tenant;
      return tenant;
    }
  }
  if (global_limit_.limited()) {
    auto g = global_.take(now);
    if (!g.allowed) {
      g.refused_by = RateDecision::Scope::Global;
      return g;
    }
    if (!per_tenant_.limited()) return g;
  }
  return tenant;
}

}  // namespace vault::resilience
