#include "vault/resilience/retry.hpp"

#include "vault/core/cancellation.hpp"

#include <algorithm>
#include <cmath>
#include <thread>

namespace vault::resilience {

Status validate(const RetryPolicy& p) {
  if (p.max_attempts < 1 || p.max_attempts > 100)
    return fail(ErrorKind::Configuration, "retry_policy.max_attempts must be 1-100");
  if (p.initial_delay.count() < 0 || p.max_delay < p.initial_delay)
    return fail(ErrorKind::Configuration, "retry_policy: 0 <= initial_delay <= max_delay");
  if (!(p.multiplier >= 1.0) || p.multiplier > 100)
    return fail(ErrorKind::Configuration, "retry_policy.backoff_multiplier must be 1-100");
  if (!(p.jitter >= 0.0 && p.jitter <= 1.0)) return fail(ErrorKind::Configuration, "retry_policy.jitter must be 0-1");
  return {};
}

bool is_retryable(const Error& e, const RetryPolicy& p) {
  // A cancelled request has nobody waiting for the answer.
  if (is_cancellation(e)) return false;
  // The caller's own deadline passed: a retry would answer too late.
  if (e.kind() == ErrorKind::DeadlineExceeded) return false;
  // The failing side knows better: e.g. a write that may have been applied.
  if (const auto* r = e.details().if_contains("retryable"); r && r->is_bool() && !r->as_bool()) return false;
  for (const auto& cls : p.do_not_retry)
    if (error_is_a(e.kind(), cls)) return false;
  for (const auto& cls : p.retry_on)
    if (error_is_a(e.kind(), cls)) return true;
  return false;
}

std::chrono::milliseconds backoff_delay(const RetryPolicy& p, int n, double u) {
  const double base = std::min(static_cast<double>(p.initial_delay.count()) * std::pow(p.multiplier, n),
                               static_cast<double>(p.max_delay.count()));
  u = std::clamp(u, 0.0, 1.0);
  return std::chrono::milliseconds(static_cast<std::int64_t>(base * (1.0 + p.jitter * u)));
}

RetryBudget::RetryBudget(Options o, const Clock& clock)
    : options_(o), clock_(clock), tokens_(o.max_tokens), last_(clock.steady_now()) {}

void RetryBudget::refill(Clock::steady_time now) {
  const double secs = std::chrono::duration<double>(now - last_).count();
  if (secs > 0) tokens_ = std::min(options_.max_tokens, tokens_ + secs * options_.min_per_second);
  last_ = now;
}

void RetryBudget::on_first_attempt() {
  std::lock_guard lock(mu_);
  refill(clock_.steady_now());
  tokens_ = std::min(options_.max_tokens, tokens_ + options_.ratio);
}

bool RetryBudget::try_spend() {
  std::lock_guard lock(mu_);
  refill(clock_.steady_now());
  if (tokens_ < 1.0) return false;
  tokens_ -= 1.0;
  return true;
}

double RetryBudget::tokens() {
  std::lock_guard lock(mu_);
  refill(clock_.steady_now());
  return tokens_;
}

Sleeper real_sleeper() {
  return [](std::chrono::milliseconds d) { std::this_thread::sleep_for(d); };
}

}  // namespace vault::resilience
