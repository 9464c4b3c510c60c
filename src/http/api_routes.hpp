#pragma once
// Registration of the /api/v1 routes on a Router.
#include "vault/domain/auth_service.hpp"
#include "vault/domain/dataset_service.hpp"
#include "vault/domain/idempotency_service.hpp"
#include "vault/domain/key_rotation.hpp"
#include "vault/domain/operating_mode.hpp"
#include "vault/domain/pii_service.hpp"
#include "vault/domain/record_service.hpp"
#include "vault/domain/tenant_purge.hpp"
#include "vault/domain/transit_service.hpp"
#include "vault/domain/version_service.hpp"
#include "vault/http/handler.hpp"
#include "vault/observability/slo.hpp"
#include "vault/resilience/fault_injector.hpp"

namespace vault::http {

class Router;

struct ApiServices {
  domain::AuthService& auth;
  domain::DatasetService& datasets;
  domain::RecordService& records;
  domain::VersionService& versions;
  domain::IdempotencyService& idempotency;  ///< Idempotency-Key replay on POST routes
  /// PII detection/anonymization (/api/v1/pii); nullptr when scanning is disabled.
  domain::PiiService* pii = nullptr;
  /// KEK/DEK rotation jobs (/api/v1/keys); nullptr when encryption is disabled.
  domain::KeyRotationService* rotation = nullptr;
  /// DELETE /api/v1/tenants/{id}; nullptr = not offered.
  domain::TenantPurger* purger = nullptr;
  /// Named tenant keys and encryption as a service (/api/v1/transit);
  /// nullptr when encryption is disabled (the routes answer 501).
  domain::TransitService* transit = nullptr;
  /// Chaos faults on the dependencies (/api/v1/admin/faults); nullptr = not offered.
  resilience::FaultInjector* faults = nullptr;
  /// Read-only / degraded mode (/api/v1/admin/mode); nullptr = not offered.
  domain::OperatingMode* mode = nullptr;
  /// The SLO compliance matrix (/api/v1/admin/slo); nullptr = not offered.
  const obs::SloTracker* slo = nullptr;
  /// Where large payloads live: their blobs go when their dataset is deleted
  /// (best effort: they are unreadable once its data keys are gone); nullptr = none.
  storage::BlobStore* blobs = nullptr;
};

void register_api_routes(Router& router, ApiServices& services);

// One function per resource family (routes_*.cpp).
void register_tenant_routes(Router& router, ApiServices& s);
void register_dataset_routes(Router& router, ApiServices& s);
void register_record_routes(Router& router, ApiServices& s);
void register_version_routes(Router& router, ApiServices& s);
void register_pii_routes(Router& router, ApiServices& s);
void register_key_routes(Router& router, ApiServices& s);
void register_transit_routes(Router& router, ApiServices& s);
/// /api/v1/admin/faults and /api/v1/admin/mode (routes_admin.cpp).
void register_admin_routes(Router& router, ApiServices& s);

/// Wraps a POST handler with Idempotency-Key replay (24 h by default).
Handler idempotent(Handler h, ApiServices& s);

}  // namespace vault::http
