#pragma once
/// Everything that stands between the vault and one dependency (the
/// metadata store, the blob store, the key provider): the request's
/// deadline, its circuit breaker (spec 3.1), its bulkhead (3.3) and the
/// chaos faults set on it (fault_injector.hpp). Every call of the
/// dependency goes through call(); health probes through probe().
///
/// call(fn), in order:
///   1. the thread's request (Cancellation::current()) is gone or past its
///      deadline → its cancellation / DeadlineExceeded, fn is not run;
///   2. the breaker is open → CircuitOpen (503, Retry-After) at once;
///   3. the bulkhead is full → Overloaded (503, Retry-After) at once, or
///      after waiting at most its timeout and never past the deadline;
///   4. an injected fault: error → the dependency's error class; latency →
///      delayed (never past the deadline); hang → waits for the smaller of
///      `operation_timeout` and the deadline, then TimeoutError /
///      DeadlineExceeded (a hung dependency as our timeouts see it);
///   5. fn(); its failure is reported to the breaker, which counts it or
///      not by the breaker's count_as_failure / ignore_errors.
/// A failed attempt is retried (spec 3.2) when its error is retryable by
/// the retry policy (never the guard's own refusals: open breaker, full
/// bulkhead, passed deadline, cancellation), the call kind allows another
/// attempt (reads: retry_policy.max_attempts; idempotent writes:
/// operations.idempotent_writes; non-idempotent writes: 1), the backoff
/// ends before the deadline, and the dependency's RetryBudget has a token
/// (so an outage adds at most ~10% load). Each attempt passes 1–5 again.
/// probe(fn) applies only the faults (4): a health check must see a sick
/// dependency, and must not be refused by a full pool or an open breaker.
///
/// call(operation, fn) also tells the observer (if any) how the call went:
/// its operation name, duration, outcome and bytes moved — the storage
/// metrics of spec 6.2 — including refusals by the guard itself.
#include "vault/core/cancellation.hpp"
#include "vault/core/clock.hpp"
#include "vault/core/error.hpp"
#include "vault/core/resilience_settings.hpp"
#include "vault/resilience/bulkhead.hpp"
#include "vault/resilience/circuit_breaker.hpp"
#include "vault/resilience/fault_injector.hpp"
#include "vault/resilience/retry.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace vault::resilience {

/// Receives every observed call (thread-safe; keep it quick).
class CallObserver {
 public:
  virtual ~CallObserver() = default;
  /// `error` null on success; `bytes` 0 when not known.
  virtual void on_call(std::string_view dependency, std::string_view backend, std::string_view operation,
                       const Error* error, double seconds, std::uint64_t bytes) = 0;
  /// A retry decision: "retried" (another attempt follows), "recovered"
  /// (succeeded after retries), "exhausted" (gave up: attempts or deadline),
  /// "budget_exhausted" (the retry budget was spent).
  virtual void on_retry(std::string_view /*dependency*/, std::string_view /*outcome*/) {}
};

/// What a call does to the dependency, for its retries.
enum class CallKind { Read, IdempotentWrite, NonIdempotentWrite };

struct DependencyGuardOptions {
  std::string dependency;               ///< "metadata_store", "blob_store", "key_provider"
  std::string backend;                  ///< "sqlite", "file", "local", "pkcs11" (metric label)
  ErrorKind error_kind = ErrorKind::Dependency;  ///< class of its failures (injected errors)
  CircuitBreakerConfig breaker;
  BulkheadConfig bulkhead;
  std::chrono::milliseconds operation_timeout{10000};  ///< timeouts.database.query_timeout etc.
  RetrySettings retry;                   ///< retry_policy (max_attempts 1 = no retries)
  RetryBudget::Options retry_budget;
};

class DependencyGuard {
 public:
  /// `faults` may be null (no fault injection); it and `clock` must outlive the guard.
  DependencyGuard(DependencyGuardOptions options, FaultInjector* faults, const Clock& clock = system_clock());

  /// fn returns a Result<T> or Status; it may run more than once (retries).
  template <class F>
  auto call(CallKind kind, F&& fn) -> decltype(fn()) {
    const int attempts = max_attempts(kind);
    if (attempts > 1) budget_.on_first_attempt();
    std::optional<Error> previous;  // the dependency's last failure, once retried
    for (int n = 1;; ++n) {
      auto r = attempt(fn);
      if (r) {
        if (n > 1) retry_outcome("recovered");
        return r;
      }
      if (previous && refused_by_guard(r.error())) {
        // The breaker opened (or the pool filled) meanwhile: the answer is
        // the dependency's own failure, not the refusal of a retry.
        previous->details()["attempts"] = n - 1;
        retry_outcome("exhausted");
        return std::unexpected(std::move(*previous));
      }
      if (n >= attempts || !retryable(r.error())) {
        if (n > 1) {
          r.error().details()["attempts"] = n;
          retry_outcome("exhausted");
        }
        return r;
      }
      if (auto stop = before_retry(n, r.error())) return std::unexpected(std::move(*stop));
      previous = std::move(r.error());
    }
  }
  template <class F>
  auto call(F&& fn) -> decltype(fn()) {
    return call(CallKind::Read, std::forward<F>(fn));
  }

  /// call(kind, fn), observed as `operation`; `bytes_of(result)` gives the
  /// bytes moved by a successful call.
  template <class F, class Bytes>
  auto call(std::string_view operation, CallKind kind, F&& fn, Bytes&& bytes_of) -> decltype(fn()) {
    if (!observer_) return call(kind, std::forward<F>(fn));
    const auto t0 = std::chrono::steady_clock::now();
    auto r = call(kind, std::forward<F>(fn));
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (r) observer_->on_call(options_.dependency, options_.backend, operation, nullptr, secs, bytes_of(r));
    else observer_->on_call(options_.dependency, options_.backend, operation, &r.error(), secs, 0);
    return r;
  }
  template <class F>
  auto call(std::string_view operation, CallKind kind, F&& fn) -> decltype(fn()) {
    return call(operation, kind, std::forward<F>(fn), [](const auto&) { return std::uint64_t{0}; });
  }

  /// Set once at start-up, before calls; must outlive the guard.
  void set_observer(CallObserver* o) { observer_ = o; }

  template <class F>
  auto probe(F&& fn) -> decltype(fn()) {
    if (auto injected = inject(); injected) return std::unexpected(std::move(*injected));
    return fn();
  }

  const std::string& dependency() const { return options_.dependency; }
  CircuitBreaker& breaker() { return breaker_; }
  Bulkhead& bulkhead() { return bulkhead_; }
  RetryBudget& retry_budget() { return budget_; }

 private:
  /// One attempt: deadline → breaker → bulkhead → fault → fn.
  template <class F>
  auto attempt(F& fn) -> decltype(fn()) {
    if (auto s = check_cancelled(); !s) return std::unexpected(s.error());
    auto permit = breaker_.acquire();
    if (!permit) return std::unexpected(permit.error());
    auto slot = bulkhead_.enter(deadline());
    if (!slot) return std::unexpected(slot.error());  // the dropped permit counts nothing
    if (auto injected = inject(); injected) {
      permit->failure(*injected);
      return std::unexpected(std::move(*injected));
    }
    auto r = fn();
    if (r) permit->success();
    else permit->failure(r.error());
    return r;
  }
  int max_attempts(CallKind kind) const;
  /// Retryable by the policy, and not a refusal of the guard itself.
  bool retryable(const Error& e) const;
  /// CircuitOpen or Overloaded: the guard refused without calling.
  static bool refused_by_guard(const Error& e) {
    return e.kind() == ErrorKind::CircuitOpen || e.kind() == ErrorKind::Overloaded;
  }
  /// After attempt n (1-based) failed with retryable `e`: waits the backoff
  /// and returns none, or returns the error to answer with instead — `e`
  /// with details.attempts (the deadline is too close, the budget is spent)
  /// or the cancellation / deadline that ended the wait.
  std::optional<Error> before_retry(int n, const Error& e);
  void retry_outcome(std::string_view outcome);

  /// The thread's request deadline, if it has one.
  std::optional<std::chrono::steady_clock::time_point> deadline() const;
  /// Draws and applies a fault: the error to fail with, or none (after any latency).
  std::optional<Error> inject();
  /// Waits until `until` or the deadline, whichever is first, in short
  /// steps that notice a client leaving. Returns the error that ended the
  /// wait early (cancellation / DeadlineExceeded), or none at `until`.
  std::optional<Error> wait_until(std::chrono::steady_clock::time_point until);

  const DependencyGuardOptions options_;
  FaultInjector* faults_;
  const Clock& clock_;
  CircuitBreaker breaker_;
  Bulkhead bulkhead_;
  RetryBudget budget_;
  CallObserver* observer_ = nullptr;
};

}  // namespace vault::resilience
