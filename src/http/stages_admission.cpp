// Admission stages after authorization: rate limits and the write gate of
// read-only mode (contracts in stages.hpp).
#include "http/stages.hpp"
#include "vault/http/handler.hpp"

#include <cmath>

namespace vault::http {
namespace {

std::string whole_seconds(std::chrono::milliseconds d) {
  return std::to_string(static_cast<long long>(std::ceil(static_cast<double>(d.count()) / 1000.0)));
}

}  // namespace

std::optional<Answer> RateLimit::check(Call& call) const {
  const Route* route = call.record.route;
  if (!route || !route->options.authenticated) return std::nullopt;
  const resilience::RateDecision d = limiter_.admit(call.req.ctx.tenant_id);
  if (d.refused_by == resilience::RateDecision::Scope::None && d.limit == 0) return std::nullopt;  // unlimited
  call.record.headers.emplace_back("X-RateLimit-Limit", std::to_string(d.limit));
  call.record.headers.emplace_back("X-RateLimit-Remaining", std::to_string(d.remaining));
  call.record.headers.emplace_back("X-RateLimit-Reset", whole_seconds(d.reset));
  if (d.allowed) return std::nullopt;
  const bool tenant = d.refused_by == resilience::RateDecision::Scope::Tenant;
  const int retry_after = std::max(1, static_cast<int>(std::ceil(static_cast<double>(d.retry_after.count()) / 1000.0)));
  Error e(tenant ? ErrorKind::TenantRateLimit : ErrorKind::GlobalRateLimit,
          tenant ? "this tenant's request rate limit is exhausted" : "the server's request rate limit is exhausted",
          {{"limit", d.limit}, {"scope", tenant ? "tenant" : "global"}});
  e.with_retry_after(retry_after);
  return Answer{error_response(e, call.record.ctx), AfterAnswer::DrainIfBody};
}

std::optional<Answer> WriteGate::check(Call& call) const {
  if (!mode_.writes_refused()) return std::nullopt;
  const std::string_view m = call.req.method;
  if (m == "GET" || m == "HEAD" || m == "OPTIONS") return std::nullopt;
  const Route* route = call.record.route;
  if (route && route->options.read_only_safe) return std::nullopt;
  Error e(ErrorKind::MaintenanceMode,
          mode_.degraded() ? "the server is in degraded mode: writes are refused, reads go on"
                           : "the server is in read-only mode: writes are refused, reads go on",
          {{"mode", mode_.degraded() ? "degraded" : "read_only"}});
  e.with_retry_after(30);
  return Answer{error_response(e, call.record.ctx), AfterAnswer::DrainIfBody};
}

}  // namespace vault::http
