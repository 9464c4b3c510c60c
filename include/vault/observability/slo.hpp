#pragma once
/// The SLOs of spec section 11 measured inside vaultd: every answered API
/// request (probes and /metrics excluded) is counted into one-minute buckets
/// of wall-clock time, kept for 30 days, so that
///   - availability: share of requests not answered 5xx, target 99.9%;
///   - latency: share of requests answered within 200 ms, target 99%
///     (the spec's "p99 < 200 ms" as an SLI with an error budget);
///   - error rate: share answered 5xx, target < 0.1%;
///   - throughput: requests per second over 5 minutes (informational)
/// can be reported over any window up to 30 days, with the error budget
/// left and the burn rate (error ratio / allowed error ratio) per window.
///
/// The buckets are saved to a file (save(); vaultd every minute and at
/// shutdown) and loaded at start, so a restart does not reset the 30-day
/// budget. Thread-safe; record() is one short critical section.
#include "vault/core/clock.hpp"
#include "vault/core/error.hpp"

#include <boost/json/object.hpp>

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

namespace vault::obs {

struct SloCounts {
  std::uint64_t total = 0;
  std::uint64_t errors = 0;  ///< answered 5xx
  std::uint64_t slow = 0;    ///< answered later than the latency threshold
};

struct SloTargets {
  double availability = 0.999;
  double latency = 0.99;                          ///< share within latency_threshold
  std::chrono::milliseconds latency_threshold{200};
  double throughput_rps = 10000;                  ///< informational (spec 11.1)
};

class SloTracker {
 public:
  static constexpr int kMinutes = 30 * 24 * 60;

  explicit SloTracker(SloTargets targets = {}, const Clock& clock = system_clock());

  void record(int status, double seconds);
  /// Sums over the last `window` (whole minutes, the current one included).
  SloCounts counts(std::chrono::minutes window) const;

  /// Error budget left over 30 days, 1 = untouched, 0 = spent, < 0 overspent.
  double availability_budget_remaining() const;
  double latency_budget_remaining() const;
  /// Error ratio over `window` / allowed error ratio (1 = spends exactly the budget).
  double availability_burn_rate(std::chrono::minutes window) const;
  double latency_burn_rate(std::chrono::minutes window) const;

  /// GET /api/v1/admin/slo: the compliance matrix of spec 11.2.
  boost::json::object report() const;

  /// Writes the non-empty buckets of the last 30 days to `path` (atomically:
  /// temporary file, then rename); load() reads them back.
  Status save(const std::string& path) const;
  Status load(const std::string& path);

  const SloTargets& targets() const { return targets_; }

 private:
  struct Bucket {
    std::int64_t minute = -1;  ///< minutes since the epoch this bucket holds
    SloCounts c;
  };
  std::int64_t now_minute() const;
  /// Error ratio of `c` / allowed error ratio.
  double availability_burn(const SloCounts& c) const;
  double latency_burn(const SloCounts& c) const;
  static double ratio(std::uint64_t bad, std::uint64_t total) {
    return total == 0 ? 0.0 : static_cast<double>(bad) / static_cast<double>(total);
  }

  const SloTargets targets_;
  const Clock& clock_;
  mutable std::mutex mu_;
  std::vector<Bucket> ring_;  ///< kMinutes buckets, indexed by minute % kMinutes
};

}  // namespace vault::obs
