#include "vault/cache/shared_rate_limiter.hpp"

#include "cache/redis_script.hpp"

#include <cstdio>

namespace vault::cache {
namespace {

// The buckets of resilience::RateLimiter, in Redis. KEYS[1] the tenant's
// bucket, KEYS[2] the global one; ARGV rate and burst of each (rate 0 =
// unlimited). A bucket is a hash {tokens, ts (ms)}; it expires once it would
// be full again (then it is the same as a new one). Returns {allowed, scope
// (0 none, 1 tenant, 2 global), limit, remaining, reset ms, retry-after ms}.
// The global bucket must have a token before the tenant's is spent; a refusal
// spends nothing.
constexpr const char* kScript = R"lua(
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local tr, tb, gr, gb = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local function load(key, rate, burst)
  local v = redis.call('HMGET', key, 'tokens', 'ts')
  local tokens, ts = tonumber(v[1]), tonumber(v[2])
  if tokens == nil or ts == nil then return burst end
  return math.min(burst, tokens + math.max(0, now - ts) * rate / 1000)
end
local function save(key, rate, burst, tokens)
  redis.call('HSET', key, 'tokens', tostring(tokens), 'ts', now)
  redis.call('PEXPIRE', key, math.ceil((burst - tokens) * 1000 / rate) + 1000)
end
local function decision(allowed, scope, rate, burst, tokens)
  local retry = 0
  if allowed == 0 then retry = math.ceil((1 - tokens) * 1000 / rate) end
  return {allowed, scope, math.floor(burst), math.floor(tokens), math.ceil((burst - tokens) * 1000 / rate), retry}
end
local gt
if gr > 0 then gt = load(KEYS[2], gr, gb) end
local tt
if tr > 0 then
  tt = load(KEYS[1], tr, tb)
  if gr > 0 and gt < 1 then return decision(0, 2, gr, gb, gt) end
  if tt < 1 then return decision(0, 1, tr, tb, tt) end
  tt = tt - 1
  save(KEYS[1], tr, tb, tt)
end
if gr > 0 then
  if gt < 1 then return decision(0, 2, gr, gb, gt) end
  gt = gt - 1
  save(KEYS[2], gr, gb, gt)
  if tr <= 0 then return decision(1, 0, gr, gb, gt) end
end
if tr > 0 then return decision(1, 0, tr, tb, tt) end
return {1, 0, 0, 0, 0, 0}
)lua";

const RedisScript& script() {
  static const RedisScript s(kScript);
  return s;
}

std::string number(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

std::vector<std::string> script_limits(vault::RateLimit tenant, vault::RateLimit global) {
  return {number(tenant.requests_per_second), number(tenant.burst), number(global.requests_per_second),
          number(global.burst)};
}

}  // namespace

SharedRateLimiter::SharedRateLimiter(RedisClient& redis, resilience::DependencyGuard& guard,
                                     vault::RateLimit per_tenant, vault::RateLimit global,
                                     std::string key_prefix, const Clock& clock)
    : redis_(redis),
      guard_(guard),
      limit_args_(script_limits(resilience::normalized(per_tenant), resilience::normalized(global))),
      prefix_(std::move(key_prefix)),
      local_(per_tenant, global, clock) {}

Result<resilience::RateDecision> SharedRateLimiter::admit_shared(const std::string& tenant_id) {
  const std::vector<std::string> keys{prefix_ + "t:" + tenant_id, prefix_ + "global"};
  auto run = [&] { return script().run(redis_, keys, limit_args_, "the rate-limit script"); };
  // One attempt: a retry could spend a second token.
  auto r = guard_.call("rate_limit", resilience::CallKind::NonIdempotentWrite, run);
  if (!r) return std::unexpected(r.error());
  if (r->type != RedisReply::Type::Array || r->elements.size() != 6)
    return fail(ErrorKind::Cache, "redis: unexpected answer of the rate-limit script");
  for (const auto& e : r->elements)
    if (e.type != RedisReply::Type::Integer) return fail(ErrorKind::Cache, "redis: unexpected answer of the rate-limit script");
  resilience::RateDecision d;
  d.allowed = r->elements[0].integer == 1;
  const auto scope = r->elements[1].integer;
  d.refused_by = d.allowed || scope == 0 ? resilience::RateDecision::Scope::None
                 : scope == 1            ? resilience::RateDecision::Scope::Tenant
                                         : resilience::RateDecision::Scope::Global;
  d.limit = static_cast<int>(r->elements[2].integer);
  d.remaining = static_cast<int>(std::max<long long>(0, r->elements[3].integer));
  d.reset = std::chrono::milliseconds(std::max<long long>(0, r->elements[4].integer));
  d.retry_after = std::chrono::milliseconds(std::max<long long>(0, r->elements[5].integer));
  return d;
}

resilience::RateDecision SharedRateLimiter::admit(const std::string& tenant_id) {
  auto d = admit_shared(tenant_id);
  if (d) return *d;
  fallbacks_.fetch_add(1, std::memory_order_relaxed);
  return local_.admit(tenant_id);
}

}  // namespace vault::cache
