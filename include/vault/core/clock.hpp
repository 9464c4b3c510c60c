#pragma once
/// Time, injected wherever it decides behaviour (cache TTLs, idempotency
/// expiry, idle reclaim, deadlines, and later rate limits, breakers, retries
/// and SLO windows). Production code takes a `const Clock&` (default
/// `system_clock()`); tests hand in a `ManualClock` and move it forward
/// instead of sleeping.
///
/// Durations measured only to be reported (metrics, logs) may keep reading
/// std::chrono directly: they decide nothing.
#include <atomic>
#include <chrono>

namespace vault {

class Clock {
 public:
  using steady_time = std::chrono::steady_clock::time_point;
  using system_time = std::chrono::system_clock::time_point;
  virtual ~Clock() = default;
  /// Monotonic time, for intervals and deadlines.
  virtual steady_time steady_now() const = 0;
  /// Wall-clock time, for timestamps that are stored or shown.
  virtual system_time system_now() const = 0;
  /// Wall-clock time in milliseconds since the Unix epoch.
  std::int64_t unix_ms() const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(system_now().time_since_epoch()).count();
  }
  /// Wall-clock time in microseconds since the Unix epoch (storage::Timestamp).
  std::int64_t unix_micros() const {
    return std::chrono::duration_cast<std::chrono::microseconds>(system_now().time_since_epoch()).count();
  }
};

/// The real clocks. Thread-safe, stateless.
class SystemClock final : public Clock {
 public:
  steady_time steady_now() const override { return std::chrono::steady_clock::now(); }
  system_time system_now() const override { return std::chrono::system_clock::now(); }
};

/// The process-wide real clock (the default wherever a Clock is optional).
const Clock& system_clock();

/// A clock that moves only when told to. Thread-safe: readers on other
/// threads see every advance.
class ManualClock final : public Clock {
 public:
  /// Starts at an arbitrary steady epoch and at `system_start` wall time
  /// (default 2026-01-01T00:00:00Z).
  explicit ManualClock(system_time system_start = system_time(std::chrono::seconds(1767225600)))
      : steady_ns_(std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::hours(1)).count()),
        system_ns_(std::chrono::duration_cast<std::chrono::nanoseconds>(system_start.time_since_epoch()).count()) {}

  steady_time steady_now() const override {
    return steady_time(std::chrono::duration_cast<std::chrono::steady_clock::duration>(
        std::chrono::nanoseconds(steady_ns_.load())));
  }
  system_time system_now() const override {
    return system_time(std::chrono::duration_cast<std::chrono::system_clock::duration>(
        std::chrono::nanoseconds(system_ns_.load())));
  }
  /// Moves both clocks forward by `d`.
  template <class Rep, class Period>
  void advance(std::chrono::duration<Rep, Period> d) {
    const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(d).count();
    steady_ns_ += ns;
    system_ns_ += ns;
  }

 private:
  std::atomic<std::int64_t> steady_ns_;
  std::atomic<std::int64_t> system_ns_;
};

}  // namespace vault
