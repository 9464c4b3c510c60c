#pragma once
/// Health checks (readiness), startup progress and the shutdown flag that
/// the /health/* endpoints report.
#include "vault/core/error.hpp"

#include <boost/json/value.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace vault::obs {

/// Outcome of one check in a report (spec 4.3).
struct CheckResult {
  std::string name;
  /// "healthy"; "degraded" (answered, but slower than its threshold, or the
  /// check said so); "unhealthy" (failed or timed out).
  std::string status;
  bool critical = true;
  double latency_ms = 0;
  std::string message;  ///< why it is not healthy; when healthy, the check's note ("" if none)
};

/// Aggregate readiness.
struct HealthReport {
  std::string status;  ///< "ready" | "degraded" | "not_ready"
  std::vector<CheckResult> checks;
  std::int64_t timestamp_micros = 0;
  /// 200 for ready/degraded, 503 for not_ready.
  int http_status() const { return status == "not_ready" ? 503 : 200; }
  /// {"status","overall_status","timestamp","checks":{name:{"status","critical","latency_ms","message"}}}
  boost::json::value to_json() const;
};

/// Liveness (spec 4.2): the process answers. Over a threshold it stays
/// alive (a restart would not help) and says so in `warnings`.
struct LivenessReport {
  std::int64_t timestamp_micros = 0;
  long threads = 0;               ///< from /proc/self/status
  std::int64_t rss_bytes = 0;     ///< resident set size
  std::vector<std::string> warnings;
  /// {"status": "alive", "timestamp", "threads", "rss_bytes", "warnings"}
  boost::json::value to_json() const;
};

struct LivenessThresholds {
  long max_threads = 10000;                          ///< spec: goroutine_threshold
  std::int64_t max_rss_bytes = std::int64_t{2} << 30;  ///< spec: memory_threshold 2GB
};

struct StartupStep {
  std::string name;
  std::string status;  ///< "ok" | "failed" (or anything the caller records)
  double duration_ms = 0;
};

struct StartupReport {
  bool started = false;
  std::vector<StartupStep> steps;
  double duration_ms = 0;  ///< since the registry was created (until started)
  int http_status() const { return started ? 200 : 503; }
  /// {"status": "started"|"starting", "timestamp", "startup_duration_ms",
  ///  "components": {step: true|false}, "steps": [{"name","status","duration_ms"}]}
  boost::json::value to_json() const;
};

/// Thread-safe. Checks run in parallel, each on its own thread, bounded by
/// its timeout: a check that does not return in time is reported as
/// "timeout". While a check runs it is not started again: concurrent probes
/// share its one run and its result, each waiting at most the timeout
/// counted from the run's start (so a hung dependency never piles up
/// threads, and a probe that joins a hung run answers at once).
///
/// Readiness is "not_ready" until mark_started() and from
/// set_shutting_down() on; "not_ready" when a critical check is unhealthy;
/// "degraded" when a non-critical one is, or any check is degraded: it
/// answered slower than its `slow_after`, or failed with an error whose
/// details say {"degraded": true} (pressure, not failure); else "ready".
class HealthRegistry {
 public:
  using Check = std::function<Status()>;
  /// What a healthy check reports besides its status (e.g. pool usage).
  using Note = std::function<std::string()>;

  HealthRegistry();
  ~HealthRegistry();
  HealthRegistry(const HealthRegistry&) = delete;
  HealthRegistry& operator=(const HealthRegistry&) = delete;

  /// Adds (or replaces) a named check. `slow_after` 0 = never degraded by
  /// latency. `note`, if set, runs after a successful check and becomes the
  /// check's message (a failed check's message is its error, + the note).
  void add(std::string name, Check check, bool critical = true,
           std::chrono::milliseconds timeout = std::chrono::milliseconds(2000),
           std::chrono::milliseconds slow_after = std::chrono::milliseconds(0), Note note = {});
  /// Threads and memory of this process against `limits`.
  LivenessReport liveness(const LivenessThresholds& limits = {}) const;
  /// Runs every check in parallel; returns within about the largest timeout.
  HealthReport check_all();

  void set_shutting_down() noexcept;
  bool shutting_down() const noexcept;

  /// Records a finished startup step.
  void record_step(std::string name, std::string status, std::chrono::nanoseconds duration);
  /// Times the step from construction to destruction (or finish()).
  class StepTimer {
   public:
    StepTimer(HealthRegistry& h, std::string name);
    ~StepTimer();
    StepTimer(const StepTimer&) = delete;
    StepTimer& operator=(const StepTimer&) = delete;
    void finish(std::string status = "ok");

   private:
    HealthRegistry* h_;
    std::string name_;
    std::chrono::steady_clock::time_point start_;
    bool done_ = false;
  };
  StepTimer step(std::string name) { return StepTimer(*this, std::move(name)); }

  void mark_started();
  bool started() const;
  StartupReport startup() const;

 private:
  struct Entry;
  mutable std::mutex mu_;
  std::vector<std::shared_ptr<Entry>> checks_;
  std::vector<StartupStep> steps_;
  std::chrono::steady_clock::time_point created_;
  double startup_ms_ = 0;
  bool started_ = false;
  std::atomic<bool> shutting_down_{false};
};

}  // namespace vault::obs
