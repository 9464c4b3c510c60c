#pragma once
// Shared by the cache module's tests: the options of a "cache" dependency
// guard, and names no other test process uses (Redis is shared by the run).
#include "vault/resilience/dependency_guard.hpp"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <string>

namespace vault::cache::testing_support {

/// A guard like vaultd's "cache" guard, with a short operation timeout (and
/// breaker open duration, when given).
inline resilience::DependencyGuardOptions cache_guard_options(std::chrono::milliseconds timeout,
                                                              std::chrono::milliseconds open_duration = {}) {
  resilience::DependencyGuardOptions o;
  o.dependency = "cache";
  o.backend = "redis";
  o.error_kind = ErrorKind::Cache;
  o.operation_timeout = timeout;
  if (open_duration.count() > 0) o.breaker.open_duration = open_duration;
  return o;
}

/// "test:<kind>:<pid>:<n>" (a new n each call).
inline std::string fresh_name(const std::string& kind) {
  static std::atomic<int> n{0};
  return "test:" + kind + ":" + std::to_string(::getpid()) + ":" + std::to_string(++n);
}

}  // namespace vault::cache::testing_support
