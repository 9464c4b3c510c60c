#pragma once
/// The operational endpoints every server has: GET /health/live,
/// /health/ready, /health/startup (no authentication) and /metrics (the
/// server gates it: metrics token or platform admin key on the API
/// listener, open on the admin listener; see Server::Impl::authenticate).
#include "vault/http/router.hpp"
#include "vault/observability/health.hpp"
#include "vault/observability/metrics.hpp"

namespace vault::http {

inline constexpr std::string_view kReadyPath = "/health/ready";
inline constexpr std::string_view kMetricsPath = "/metrics";

/// Adds the four routes to `router`. /health/ready runs the checks (may
/// block up to the largest check timeout); the others are cheap enough for
/// an I/O thread.
void add_builtin_routes(Router& router, obs::HealthRegistry& health, metrics::Registry& metrics);

}  // namespace vault::http
