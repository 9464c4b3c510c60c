#pragma once
/// Fault injection for chaos tests (spec 8.2): faults set per dependency
/// ("metadata_store", "blob_store", "key_provider", "cache") that every
/// guarded call of that dependency consults (dependency_guard.hpp).
///
///   error   — the call fails with the dependency's own error class
///             (DatabaseError, BlobStorageError, KeyProviderError, CacheError);
///   latency — the call is delayed by latency_ms, then made;
///   hang    — the call never answers: it waits until its operation timeout
///             or the request's deadline, then fails with TimeoutError.
///
/// `percent` (0-100) of the calls are hit. Off unless enabled (the faults
/// admin endpoint refuses while disabled). Thread-safe.
#include "vault/core/error.hpp"

#include <boost/json/object.hpp>

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <vector>

namespace vault::resilience {

enum class FaultKind { Error, Latency, Hang };

struct Fault {
  std::string dependency;
  FaultKind kind = FaultKind::Error;
  std::chrono::milliseconds latency{0};  ///< with Latency
  double percent = 100;                  ///< share of calls hit, 0-100
};

/// The dependencies faults can be set on.
const std::vector<std::string>& fault_dependencies();

/// Parses {"dependency", "kind", "latency_ms", "percent"}; ValidationError
/// naming the field otherwise.
Result<Fault> parse_fault(const boost::json::object& o);
boost::json::object fault_json(const Fault& f);

class FaultInjector {
 public:
  explicit FaultInjector(bool enabled = false) : enabled_(enabled) {}

  bool enabled() const { return enabled_; }
  /// Replaces the fault of f.dependency. Validation if disabled or unknown.
  Status set(const Fault& f);
  void clear();
  std::vector<Fault> list();
  /// Whether any fault is set now (lock-free).
  bool any() const { return active_.load(std::memory_order_relaxed) > 0; }

  /// The fault that hits this call of `dependency`, if any (rolls the dice).
  std::optional<Fault> draw(std::string_view dependency);

 private:
  const bool enabled_;
  std::atomic<int> active_{0};  ///< faults set: lets draw() skip the lock when 0
  std::mutex mu_;
  std::map<std::string, Fault, std::less<>> faults_;
  std::minstd_rand rng_{std::random_device{}()};
};

}  // namespace vault::resilience
