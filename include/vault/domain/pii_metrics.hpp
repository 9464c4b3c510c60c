#pragma once
/// PiiObserver → the spec's anonymization and privacy metrics:
///   vault_anonymization_operations_total{strategy,field_type,status}
///   vault_anonymization_duration_seconds
///   vault_privacy_violations_total{type,severity}
/// Labels are operator and entity names only (a bounded set), never values.
#include "vault/domain/pii_service.hpp"
#include "vault/observability/metrics.hpp"

#include <memory>

namespace vault::domain {

std::unique_ptr<PiiObserver> make_pii_metrics_observer(metrics::Registry& registry);

}  // namespace vault::domain
