#pragma once
/// A circuit breaker per dependency (spec 3.1): closed → open when
/// `failure_threshold` counted failures fall within `failure_window`; open
/// → every call fails at once with CircuitOpen (retry_after = the time left
/// open) until `open_duration` has passed; then half-open: at most
/// `half_open_requests` probe calls are let through, `half_open_success_threshold`
/// successes close the breaker, any counted failure opens it again.
///
/// Which failures count (count_as_failure / ignore_errors): server,
/// dependency and transient errors (timeouts, unavailability) count; client
/// and business errors (validation, not found, conflicts, auth …) never do:
/// the dependency answered (in half-open such an answer counts as a
/// success). Our own refusals (CircuitOpen, Overloaded) and cancellation
/// (the client left) do not count either.
///
/// Use: `auto p = breaker.acquire(); if (!p) return error;` run the call,
/// then `p->success()` or `p->failure(error)` once. A permit dropped without
/// a report (the caller gave up) only frees its half-open slot. Reports of
/// calls admitted before the last state change are ignored (a slow call from
/// before the breaker opened neither closes nor reopens it).
///
/// Time is `clock`'s steady time; thread-safe.
#include "vault/core/clock.hpp"
#include "vault/core/error.hpp"
#include "vault/core/resilience_settings.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>

namespace vault::resilience {

/// Configuration error when a value is out of range (thresholds < 1,
/// non-positive durations, more successes required than probes allowed).
Status validate(const CircuitBreakerConfig& c);

enum class CircuitState { Closed, Open, HalfOpen };
/// "closed" | "open" | "half_open"
std::string_view circuit_state_name(CircuitState s);
/// The gauge value of vault_circuit_breaker_state: 0 closed, 1 open, 2 half-open.
int circuit_state_value(CircuitState s);

/// Whether `e` counts against the dependency (see above).
bool counts_as_failure(const Error& e, const CircuitBreakerConfig& config = {});

class CircuitBreaker {
 public:
  class Permit {
   public:
    Permit(Permit&& o) noexcept : breaker_(o.breaker_), epoch_(o.epoch_) { o.breaker_ = nullptr; }
    Permit& operator=(Permit&&) = delete;
    Permit(const Permit&) = delete;
    ~Permit();
    void success();
    /// Counts only if counts_as_failure(e); otherwise it is an answer
    /// (like success()).
    void failure(const Error& e);

   private:
    friend class CircuitBreaker;
    Permit(CircuitBreaker* b, std::uint64_t epoch) : breaker_(b), epoch_(epoch) {}
    CircuitBreaker* breaker_;
    std::uint64_t epoch_;
  };

  /// `dependency` names it in errors and metrics ("metadata_store", …).
  /// `config` must pass validate().
  CircuitBreaker(std::string dependency, CircuitBreakerConfig config, const Clock& clock = system_clock());

  /// A permit to call the dependency, or CircuitOpen (503, retry_after).
  Result<Permit> acquire();
  /// acquire + fn() + report: fn returns a Result<T> or Status.
  template <class F>
  auto call(F&& fn) -> decltype(fn()) {
    auto permit = acquire();
    if (!permit) return std::unexpected(permit.error());
    auto r = fn();
    if (r) permit->success();
    else permit->failure(r.error());
    return r;
  }

  CircuitState state();
  /// Closed as of the last transition, without a lock (an open breaker whose
  /// open_duration passed still reads not-closed until someone calls it).
  bool closed_now() const { return closed_.load(std::memory_order_relaxed); }
  const std::string& dependency() const { return dependency_; }
  /// Called (under the breaker's lock: keep it quick) on every transition.
  void on_state_change(std::function<void(CircuitState)> fn);

 private:
  enum class Outcome { Success, Failure, Neutral, Abandoned };
  void report(std::uint64_t epoch, Outcome o);
  void transition(CircuitState to, Clock::steady_time now);
  void refresh(Clock::steady_time now);  ///< open → half-open when due

  const std::string dependency_;
  const CircuitBreakerConfig config_;
  const Clock& clock_;
  std::mutex mu_;
  CircuitState state_ = CircuitState::Closed;
  std::atomic<bool> closed_{true};
  std::uint64_t epoch_ = 0;                   ///< bumps on every transition
  std::deque<Clock::steady_time> failures_;  ///< closed: counted failures in the window
  Clock::steady_time opened_at_{};
  int probes_admitted_ = 0;   ///< half-open
  int probe_successes_ = 0;   ///< half-open
  std::function<void(CircuitState)> on_change_;
};

}  // namespace vault::resilience
