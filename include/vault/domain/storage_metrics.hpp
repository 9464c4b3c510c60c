#pragma once
/// The storage metrics of spec 6.2, fed by the dependency guards of the
/// metadata store and the blob store (DependencyGuard::set_observer):
///   vault_storage_operations_total{backend, operation, status}
///   vault_storage_operation_duration_seconds{backend, operation}
///   vault_storage_bytes_total{backend, operation}        (blob reads/writes)
///   vault_storage_errors_total{backend, operation, error_type}
/// `status` is success|error; `error_type` the error class
/// (TimeoutError, CircuitOpenError, OverloadedError, DatabaseError …).
/// Labels are bounded sets: never keys, tenants or data.
#include "vault/observability/metrics.hpp"
#include "vault/resilience/dependency_guard.hpp"

#include <memory>

namespace vault::domain {

std::unique_ptr<resilience::CallObserver> make_storage_metrics_observer(metrics::Registry& registry);

}  // namespace vault::domain
