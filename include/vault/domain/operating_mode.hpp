#pragma once
#include <atomic>

namespace vault::domain {

/// Read-only and degraded mode (spec 9.3 runbooks: READ_ONLY_MODE,
/// DEGRADED_MODE): in either, writes are refused with 503
/// MaintenanceModeError while reads go on; degraded also makes readiness
/// report "degraded". Switched at start (config) or at run time (admin API).
class OperatingMode {
 public:
  OperatingMode(bool read_only, bool degraded) : read_only_(read_only), degraded_(degraded) {}
  bool read_only() const { return read_only_.load(std::memory_order_relaxed); }
  bool degraded() const { return degraded_.load(std::memory_order_relaxed); }
  bool writes_refused() const { return read_only() || degraded(); }
  void set(bool read_only, bool degraded) {
    read_only_.store(read_only);
    degraded_.store(degraded);
  }

 private:
  std::atomic<bool> read_only_;
  std::atomic<bool> degraded_;
};

}  // namespace vault::domain
