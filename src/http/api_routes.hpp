#pragma once
// Registration of the /api/v1 routes on a Router.
#include "vault/crypto/envelope.hpp"
#include "vault/domain/auth_service.hpp"
#include "vault/domain/dataset_service.hpp"
#include "vault/domain/record_service.hpp"
#include "vault/domain/version_service.hpp"
#include "vault/http/handler.hpp"
#include "vault/storage/metadata_store.hpp"

#include <chrono>

namespace vault::http {

class Router;

struct ApiServices {
  domain::AuthService& auth;
  domain::DatasetService& datasets;
  domain::RecordService& records;
  domain::VersionService& versions;
  storage::MetadataStore& store;  ///< idempotency entries
  std::chrono::seconds idempotency_ttl{24 * 3600};
  /// When set, stored idempotency responses are envelope-encrypted (a fresh
  /// DEK per entry, wrapped by the tenant's KEK).
  crypto::Envelope* envelope = nullptr;
};

void register_api_routes(Router& router, ApiServices& services);

// One function per resource family (routes_*.cpp).
void register_tenant_routes(Router& router, ApiServices& s);
void register_dataset_routes(Router& router, ApiServices& s);
void register_record_routes(Router& router, ApiServices& s);
void register_version_routes(Router& router, ApiServices& s);

/// Wraps a POST handler with Idempotency-Key replay (24 h by default).
Handler idempotent(Handler h, ApiServices& s);

}  // namespace vault::http
