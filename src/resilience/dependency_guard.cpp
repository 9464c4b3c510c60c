#include "vault/resilience/dependency_guard.hpp"

#include <algorithm>
#include <thread>

namespace vault::resilience {

DependencyGuard::DependencyGuard(DependencyGuardOptions options, FaultInjector* faults, const Clock& clock)
    : options_(std::move(options)),
      faults_(faults),
      clock_(clock),
      breaker_(options_.dependency, options_.breaker, clock),
      bulkhead_(options_.dependency, options_.bulkhead) {}

std::optional<std::chrono::steady_clock::time_point> DependencyGuard::deadline() const {
  const Cancellation* c = Cancellation::current();
  if (!c || c->deadline() == Cancellation::Clock::time_point::max()) return std::nullopt;
  return c->deadline();
}

std::optional<Error> DependencyGuard::wait_until(std::chrono::steady_clock::time_point until) {
  constexpr auto kStep = std::chrono::milliseconds(20);
  for (;;) {
    if (auto s = check_cancelled(); !s) return s.error();
    const auto now = clock_.steady_now();
    if (now >= until) return std::nullopt;
    std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(kStep, until - now));
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
