#pragma once
/// Tenants and their API keys. The shared contract of every store (tenant
/// scoping, thread-safety, durability, group commit, error mapping) is in
/// stores.hpp.
#include "vault/core/error.hpp"
#include "vault/storage/types.hpp"

#include <string>
#include <vector>

namespace vault::storage {

class TenantStore {
 public:
  virtual ~TenantStore() = default;

  /// Conflict if the id or the name exists.
  virtual Status create_tenant(const Tenant& t) = 0;
  virtual Result<Tenant> get_tenant(const std::string& id) = 0;
  virtual Result<std::vector<Tenant>> list_tenants() = 0;
  virtual Status create_api_key(const ApiKey& k) = 0;
  /// ApiKeyNotFound when no key has that hash (revoked keys are returned; callers check).
  virtual Result<ApiKey> find_api_key_by_hash(const std::string& key_hash) = 0;
  virtual Result<std::vector<ApiKey>> list_api_keys(const std::string& tenant_id) = 0;
  /// ApiKeyNotFound if the key is not the tenant's.
  virtual Status revoke_api_key(const std::string& tenant_id, const std::string& key_id) = 0;
  virtual Result<std::int64_t> count_api_keys() = 0;

  /// Deletes the tenant and everything it owns in the store, across every
  /// aggregate, in one transaction: datasets (with their records, versions
  /// and data keys), API keys, idempotency entries, PII tokens, named tenant
  /// keys (names and versions) and key jobs. Other tenants' rows are
  /// untouched. TenantNotFound if absent.
  virtual Status delete_tenant(const std::string& tenant_id) = 0;
};

}  // namespace vault::storage
