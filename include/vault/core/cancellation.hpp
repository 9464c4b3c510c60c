#pragma once
/// Cancellation: the seam through which a request's deadline and "the
/// client is gone" reach long-running domain loops, without the domain
/// knowing about HTTP.
///
/// The HTTP layer owns one Cancellation per request (set_deadline() from the
/// request context; cancel() when the connection closes or the server
/// stops) and installs it as the thread's current one with a
/// CancellationScope around the handler. Domain code that loops over
/// caller-controlled amounts of work (schema validation of big records,
/// batches, imports) calls check() — or CancellationCheck::tick() in tight
/// loops — and stops with the error it returns:
///   - cancel() was called  → ErrorKind::Transient, details {"cancelled": true}
///     (the client is gone: nobody reads the answer; stop quietly);
///   - the deadline passed  → ErrorKind::DeadlineExceeded (504).
/// Work handed to another thread must carry the token explicitly
/// (`CancellationScope scope(token)` in that thread).
///
/// Thread-safe: cancel(), set_deadline() and the checks may race freely.
#include "vault/core/clock.hpp"
#include "vault/core/error.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>

namespace vault {

class Cancellation {
 public:
  /// The time base of deadlines (vault::Clock::steady_now() is of this clock).
  using Clock = std::chrono::steady_clock;

  /// No deadline unless one is given. `clock` (which must outlive the token)
  /// tells check() the time: tests pass a ManualClock.
  explicit Cancellation(Clock::time_point deadline = Clock::time_point::max(),
                        const vault::Clock& clock = system_clock()) noexcept;
  Cancellation(const Cancellation&) = delete;
  Cancellation& operator=(const Cancellation&) = delete;

  /// Marks the work as abandoned (client gone, server stopping). Idempotent.
  void cancel() noexcept;
  bool cancelled() const noexcept;
  /// Clock::time_point::max() = no deadline.
  void set_deadline(Clock::time_point deadline) noexcept;
  Clock::time_point deadline() const noexcept;

  /// Ok while neither cancelled nor past the deadline (reads the clock).
  Status check() const;

  /// The thread's current token (installed by CancellationScope), or null.
  static const Cancellation* current() noexcept;
  /// The current token's deadline; none without a token or a deadline.
  static std::optional<Clock::time_point> current_deadline() noexcept;

 private:
  const vault::Clock& clock_;
  std::atomic<bool> cancelled_{false};
  std::atomic<Clock::rep> deadline_;
};

/// Installs `token` (may be null) as the thread's current one for its
/// lifetime; restores the previous one on destruction. Not movable.
class CancellationScope {
 public:
  explicit CancellationScope(const Cancellation* token) noexcept;
  ~CancellationScope();
  CancellationScope(const CancellationScope&) = delete;
  CancellationScope& operator=(const CancellationScope&) = delete;

 private:
  const Cancellation* previous_;
};

/// check() of the thread's current token; Ok when there is none.
Status check_cancelled();

/// True for the errors Cancellation::check() produces: callers that collect
/// per-item errors (import) must treat them as fatal, not as an item error.
bool is_cancellation(const Error& e);

/// A cheap periodic check for tight loops: tick(cost) adds `cost` units of
/// work and calls token->check() once every `every` units (so the clock is
/// read rarely). A null token never fails.
class CancellationCheck {
 public:
  explicit CancellationCheck(const Cancellation* token, std::uint64_t every = 4096) noexcept
      : token_(token), every_(every ? every : 1) {}
  Status tick(std::uint64_t cost = 1) {
    if (!token_) return {};
    done_ += cost;
    if (done_ < next_) return {};
    next_ = done_ + every_;
    return token_->check();
  }

 private:
  const Cancellation* token_;
  std::uint64_t every_;
  std::uint64_t done_ = 0;
  std::uint64_t next_ = 0;  ///< the first tick checks
};

}  // namespace vault
