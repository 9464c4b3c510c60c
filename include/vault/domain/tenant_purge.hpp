#pragma once
/// Tenant purge (crypto-shredding of a whole tenant).
///
/// purge() stops the tenant's key rotation job, destroys the tenant's KEK in
/// the key provider (KeyProvider::destroy) and forgets its cached DEKs, then
/// deletes everything the tenant owns in the store (datasets with records,
/// versions and data keys; API keys; idempotency entries; PII tokens; named
/// tenant keys; key jobs) and evicts cached authentications. The KEK is
/// destroyed again afterwards in case an in-flight write re-created one.
/// Once the KEK is gone, every wrapped key of the tenant — in the live
/// database, its WAL, free pages, or any copy of them — is unusable.
#include "vault/core/error.hpp"
#include "vault/crypto/envelope.hpp"
#include "vault/domain/auth_service.hpp"
#include "vault/domain/key_events.hpp"
#include "vault/domain/key_rotation.hpp"
#include "vault/storage/dataset_store.hpp"
#include "vault/storage/tenant_store.hpp"

#include <functional>
#include <string>

namespace vault::domain {

class TenantPurger {
 public:
  /// `envelope` and `rotation` may be null (encryption disabled). After a
  /// purge, publishes dataset_keys_changed for each of the tenant's datasets,
  /// then tenant_purged, on `events`.
  TenantPurger(storage::TenantStore& tenants, storage::DatasetStore& datasets, AuthService& auth,
               crypto::Envelope* envelope, KeyRotationService* rotation, KeyEvents& events);

  /// TenantNotFound if absent; Conflict for the platform's own tenant or the
  /// caller's own tenant (`caller_tenant_id`).
  Status purge(const std::string& tenant_id, const std::string& caller_tenant_id);

 private:
  Status destroy_keys(const std::string& tenant_id);

  storage::TenantStore& tenants_;
  storage::DatasetStore& datasets_;
  AuthService& auth_;
  crypto::Envelope* envelope_;
  KeyRotationService* rotation_;
  KeyEvents& events_;
};

}  // namespace vault::domain
