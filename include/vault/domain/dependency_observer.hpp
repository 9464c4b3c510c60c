#pragma once
/// What every dependency call leaves behind, fed by the dependency guards
/// (DependencyGuard::set_observer):
///  - a child span of the request being served on this thread, if it is
///    traced (obs::current_trace()): "<dependency>.<operation>", with the
///    dependency, backend and error class as attributes;
///  - for the metadata and blob stores, the storage metrics of spec 6.2:
///   vault_storage_operations_total{backend, operation, status}
///   vault_storage_operation_duration_seconds{backend, operation}
///   vault_storage_bytes_total{backend, operation}        (blob reads/writes)
///   vault_storage_errors_total{backend, operation, error_type}
/// `status` is success|error; `error_type` the error class
/// (TimeoutError, CircuitOpenError, OverloadedError, DatabaseError …).
/// Labels are bounded sets: never keys, tenants or data. (Key provider calls
/// have their own KMS metrics: vault_kms_operations_total.)
#include "vault/observability/metrics.hpp"
#include "vault/observability/tracing.hpp"
#include "vault/resilience/dependency_guard.hpp"

#include <memory>

namespace vault::domain {

std::unique_ptr<resilience::CallObserver> make_dependency_observer(metrics::Registry& registry);

}  // namespace vault::domain
