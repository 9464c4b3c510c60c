#include "vault/resilience/dependency_guard.hpp"

#include <algorithm>
#include <random>
#include <thread>

namespace vault::resilience {

DependencyGuard::DependencyGuard(DependencyGuardOptions options, FaultInjector* faults, const Clock& clock)
    : options_(std::move(options)),
      faults_(faults),
      clock_(clock),
      breaker_(options_.dependency, options_.breaker, clock),
      bulkhead_(options_.dependency, options_.bulkhead),
      budget_(options_.retry_budget, clock) {}

int DependencyGuard::max_attempts(CallKind kind) const {
  switch (kind) {
    case CallKind::Read:
      return std::max(1, options_.retry.policy.max_attempts);
    case CallKind::IdempotentWrite:
      return std::max(1, options_.retry.idempotent_writes_max_attempts);
    case CallKind::NonIdempotentWrite:
      return std::max(1, options_.retry.non_idempotent_writes_max_attempts);
  }
  return 1;
}

bool DependencyGuard::retryable(const Error& e) const {
  // The breaker is the retries' brake, and a full pool already had its wait.
  return !refused_by_guard(e) && is_retryable(e, options_.retry.policy);
}

void DependencyGuard::retry_outcome(std::string_view outcome) {
  if (observer_) observer_->on_retry(options_.dependency, outcome);
}

std::optional<Error> DependencyGuard::before_retry(int n, const Error& e) {
  thread_local std::mt19937_64 engine{std::random_device{}()};
  auto delay = backoff_delay(options_.retry.policy, n - 1, std::uniform_real_distribution<double>(0.0, 1.0)(engine));
  if (auto ra = e.retry_after()) delay = std::max<std::chrono::milliseconds>(delay, std::chrono::seconds(*ra));
  const auto until = clock_.steady_now() + delay;
  auto give_up = [&](std::string_view outcome) {
    Error out = e;
    out.details()["attempts"] = n;
    retry_outcome(outcome);
    return out;
  };
  if (auto d = deadline(); d && until >= *d) return give_up("exhausted");
  if (!budget_.try_spend()) return give_up("budget_exhausted");
  retry_outcome("retried");
  return wait_until(until);
}

std::optional<std::chrono::steady_clock::time_point> DependencyGuard::deadline() const {
  return Cancellation::current_deadline();
}

std::optional<Error> DependencyGuard::wait_until(std::chrono::steady_clock::time_point until) {
  constexpr auto kStep = std::chrono::milliseconds(20);
  // The wait also ends once as much real time passed, so a clock that does
  // not move by itself (tests' ManualClock) cannot make it endless.
  const auto real_until = std::chrono::steady_clock::now() + (until - clock_.steady_now());
  for (;;) {
    if (auto s = check_cancelled(); !s) return s.error();
    const auto now = clock_.steady_now();
    const auto real_now = std::chrono::steady_clock::now();
    if (now >= until || real_now >= real_until) return std::nullopt;
    std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>({kStep, until - now, real_until - real_now}));
  }
}

std::optional<Error> DependencyGuard::inject() {
  if (!faults_) return std::nullopt;
  auto fault = faults_->draw(options_.dependency);
  if (!fault) return std::nullopt;
  const auto now = clock_.steady_now();
  switch (fault->kind) {
    case FaultKind::Error:
      return Error(options_.error_kind, options_.dependency + " failed (injected fault)",
                   {{"dependency", options_.dependency}, {"injected", true}});
    case FaultKind::Latency:
      return wait_until(now + fault->latency);
    case FaultKind::Hang: {
      if (auto e = wait_until(now + options_.operation_timeout)) return e;
      return Error(ErrorKind::Timeout,
                   options_.dependency + " did not answer within " +
                       std::to_string(options_.operation_timeout.count()) + " ms",
                   {{"dependency", options_.dependency}, {"timeout_ms", options_.operation_timeout.count()}});
    }
  }
  return std::nullopt;
}

}  // namespace vault::resilience
