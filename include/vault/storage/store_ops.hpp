#pragma once
/// Operations on the backend as a whole. The shared contract of every store
/// (tenant scoping, thread-safety, durability, group commit, error mapping)
/// is in stores.hpp.
#include "vault/core/error.hpp"

#include <cstddef>
#include <optional>
#include <string>

namespace vault::resilience {
class DependencyGuard;
}

namespace vault::storage {

/// A networked backend's connection pool, for metrics and readiness.
struct ConnectionPoolUsage {
  std::size_t open = 0;    ///< connections open (idle + in use)
  std::size_t in_use = 0;  ///< leased to a call right now
  std::size_t size = 0;    ///< the most it opens
};

class StoreOps {
 public:
  virtual ~StoreOps() = default;

  /// Cheap liveness check of the backend (health/ready).
  virtual Status ping() = 0;
  /// Schema version after migrations.
  virtual int schema_version() const = 0;
  /// A short line for readiness (spec 4.3), e.g. connection pool usage; no
  /// secrets, no data. "" when there is nothing to say.
  virtual std::string describe() const { return {}; }
  /// The connection pool's use; nullopt for a backend without one (SQLite).
  virtual std::optional<ConnectionPoolUsage> connection_pool() const { return std::nullopt; }
  /// Flushes and closes; later calls of every store of the backend fail with
  /// Database.
  virtual void close() = 0;
  /// From now on every call of every store of the backend runs through
  /// `guard->call` (deadline, breaker, bulkhead, faults) and ping() through
  /// `guard->probe`. Set once at start-up, before the stores are used;
  /// `guard` must outlive the backend. Null (the default) = unguarded.
  virtual void set_guard(resilience::DependencyGuard* guard) = 0;
};

}  // namespace vault::storage
