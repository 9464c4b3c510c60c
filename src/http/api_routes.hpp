#pragma once
// Registration of the /api/v1 routes on a Router.
#include "vault/crypto/envelope.hpp"
#include "vault/domain/auth_service.hpp"
#include "vault/domain/dataset_service.hpp"
#include "vault/domain/key_rotation.hpp"
#include "vault/domain/pii_service.hpp"
#include "vault/domain/record_service.hpp"
#include "vault/domain/tenant_keyring.hpp"
#include "vault/domain/tenant_purge.hpp"
#include "vault/domain/transit_service.hpp"
#include "vault/domain/version_service.hpp"
#include "vault/http/handler.hpp"
#include "vault/storage/idempotency_store.hpp"

#include <chrono>

namespace vault::http {

class Router;

struct ApiServices {
  domain::AuthService& auth;
  domain::DatasetService& datasets;
  domain::RecordService& records;
  domain::VersionService& versions;
  storage::IdempotencyStore& idempotency;
  std::chrono::seconds idempotency_ttl{24 * 3600};
  /// When set (with tenant_keys), stored idempotency responses are encrypted
  /// under the tenant key "_idempotency" (wrapped by the tenant's KEK).
  crypto::Envelope* envelope = nullptr;
  domain::TenantKeyring* tenant_keys = nullptr;
  /// PII detection/anonymization (/api/v1/pii); nullptr when scanning is disabled.
  domain::PiiService* pii = nullptr;
  /// KEK/DEK rotation jobs (/api/v1/keys); nullptr when encryption is disabled.
  domain::KeyRotationService* rotation = nullptr;
  /// DELETE /api/v1/tenants/{id}; nullptr = not offered.
  domain::TenantPurger* purger = nullptr;
  /// Named tenant keys and encryption as a service (/api/v1/transit);
  /// nullptr when encryption is disabled (the routes answer 501).
  domain::TransitService* transit = nullptr;
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

/// Wraps a POST handler with Idempotency-Key replay (24 h by default).
Handler idempotent(Handler h, ApiServices& s);

}  // namespace vault::http
