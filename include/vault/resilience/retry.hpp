#pragma once
/// Retries with exponential backoff and jitter (spec 3.2), bounded three
/// ways: max_attempts, the caller's deadline (a retry that could not start
/// before it is not made), and a RetryBudget shared by all callers of a
/// dependency, so an outage cannot multiply the load on it.
///
///   delay(n) = min(initial_delay * multiplier^n, max_delay) * (1 + jitter * u),  u in [0, 1)
///
/// for the n-th retry (n = 0 before the second attempt). Only retryable
/// errors are retried (retry_on: timeouts, unavailability, dependency and
/// transient errors, rate limits; do_not_retry: validation, auth, not
/// found, conflicts and every other client, business or security error),
/// and only idempotent operations (a non-idempotent one gets one attempt).
#include "vault/core/clock.hpp"
#include "vault/core/error.hpp"
#include "vault/core/resilience_settings.hpp"

#include <chrono>
#include <functional>
#include <mutex>
#include <optional>
#include <random>

namespace vault::resilience {

/// Configuration error for out-of-range values.
Status validate(const RetryPolicy& p);

/// Whether an error may succeed when the same call is made again: it is of
/// a class in `p.retry_on` and of none in `p.do_not_retry`. Never for a
/// cancelled call (nobody waits), the caller's passed deadline, or an error
/// whose details say {"retryable": false} (a write whose outcome is unknown).
bool is_retryable(const Error& e, const RetryPolicy& p = {});

/// The delay before retry `n` (0-based) for a uniform `u` in [0, 1).
std::chrono::milliseconds backoff_delay(const RetryPolicy& p, int n, double u);

/// A token bucket of retries: every first attempt deposits `ratio` tokens
/// (at most `max_tokens` are kept), and `min_per_second` tokens arrive each
/// second regardless; a retry spends one. With the defaults at most about
/// 10% extra load reaches a failing dependency. Thread-safe.
class RetryBudget {
 public:
  struct Options {
    double ratio = 0.1;
    double min_per_second = 10;
    double max_tokens = 100;
  };
  explicit RetryBudget(Options o, const Clock& clock = system_clock());
  void on_first_attempt();
  /// Takes a token; false when the budget is spent.
  bool try_spend();
  double tokens();

 private:
  void refill(Clock::steady_time now);
  const Options options_;
  const Clock& clock_;
  std::mutex mu_;
  double tokens_;
  Clock::steady_time last_;
};

enum class Idempotency { Idempotent, NonIdempotent };

/// How a retry loop waits; tests pass one that advances a ManualClock.
using Sleeper = std::function<void(std::chrono::milliseconds)>;
/// std::this_thread::sleep_for.
Sleeper real_sleeper();

/// Everything a retry loop needs besides the call.
struct RetryContext {
  RetryPolicy policy;
  RetryBudget* budget = nullptr;  ///< none: only max_attempts and the deadline bound it
  std::optional<Clock::steady_time> deadline;
  const Clock* clock = &system_clock();
  Sleeper sleep = real_sleeper();
  /// uniform [0, 1) for the jitter; default a thread-local engine.
  std::function<double()> random;
};

/// Runs fn() (returning Result<T> or Status) until it succeeds, fails with
/// an error that is not retryable, or a bound is reached; returns the last
/// result. details.attempts is set on a failure that was retried.
template <class F>
auto with_retries(const RetryContext& ctx, Idempotency idem, F&& fn) -> decltype(fn()) {
  const int attempts = idem == Idempotency::Idempotent ? std::max(1, ctx.policy.max_attempts) : 1;
  if (ctx.budget) ctx.budget->on_first_attempt();
  for (int attempt = 1;; ++attempt) {
    auto r = fn();
    if (r || attempt >= attempts || !is_retryable(r.error(), ctx.policy)) {
      if (!r && attempt > 1) r.error().details()["attempts"] = attempt;
      return r;
    }
    double u = 0;
    if (ctx.random) {
      u = ctx.random();
    } else {
      thread_local std::mt19937_64 engine{std::random_device{}()};
      u = std::uniform_real_distribution<double>(0.0, 1.0)(engine);
    }
    auto delay = backoff_delay(ctx.policy, attempt - 1, u);
    if (auto ra = r.error().retry_after()) delay = std::max<std::chrono::milliseconds>(delay, std::chrono::seconds(*ra));
    if (ctx.deadline && ctx.clock->steady_now() + delay >= *ctx.deadline) {
      r.error().details()["attempts"] = attempt;
      return r;
    }
    if (ctx.budget && !ctx.budget->try_spend()) {
      r.error().details()["attempts"] = attempt;
      return r;
    }
    ctx.sleep(delay);
  }
}

}  // namespace vault::resilience
