#pragma once
/// Tenants, API keys and authentication.
///
/// API keys are 32 random bytes ("vk_" + base64url); only their SHA-256 is
/// stored (a high-entropy secret needs no slow hash). Authentication results
/// are cached briefly in process; revoking through this service evicts at
/// once, and a lookup that raced a revocation never puts the revoked key
/// back (a generation counter: a lookup that started before the last
/// revocation does not fill the cache).
#include "vault/core/clock.hpp"
#include "vault/core/error.hpp"
#include "vault/storage/tenant_store.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace vault::domain {

inline constexpr std::string_view kSystemTenantName = "system";

/// The authenticated caller.
struct Caller {
  std::string tenant_id;
  std::string api_key_id;
  storage::Role role = storage::Role::Reader;
  bool platform_admin = false;  ///< admin key of the system tenant
  std::vector<std::string> permissions;  ///< extra grants, e.g. "pii:detokenize"
};

struct CreatedKey {
  storage::ApiKey key;
  std::string secret;  ///< shown once, never stored
};

class AuthService {
 public:
  /// Authentications are cached `cache_ttl` of `clock`'s steady time.
  explicit AuthService(storage::TenantStore& tenants,
                       std::chrono::milliseconds cache_ttl = std::chrono::seconds(5),
                       const Clock& clock = system_clock());

  /// When the system tenant has no active admin key (a new store, or one
  /// whose platform keys were revoked offline for recovery): creates the
  /// system tenant if needed and an admin key (the given secret, or a new
  /// random one). Returns the secret when it was generated here (to print
  /// once), nullopt when given or not needed.
  Result<std::optional<std::string>> bootstrap(const std::optional<std::string>& given_secret);

  /// AuthenticationError for unknown or revoked keys.
  Result<Caller> authenticate(std::string_view secret);

  Result<storage::Tenant> create_tenant(const std::string& name);
  Result<storage::Tenant> get_tenant(const std::string& id);
  Result<std::vector<storage::Tenant>> list_tenants();

  /// `permissions`: extra grants a role never implies; known: "pii:detokenize".
  Result<CreatedKey> create_key(const std::string& tenant_id, const std::string& name,
                                storage::Role role, std::vector<std::string> permissions = {});
  Result<std::vector<storage::ApiKey>> list_keys(const std::string& tenant_id);
  /// Revokes a key of the tenant. Conflict (409) when it is the last active
  /// admin key of the system tenant: the platform would lock itself out.
  Status revoke_key(const std::string& tenant_id, const std::string& key_id);

  /// The platform's own tenant (holds the bootstrap key); "" before bootstrap.
  const std::string& system_tenant_id() const { return system_tenant_id_; }
  /// Drops cached authentications of the tenant's keys (tenant purge, or a
  /// revocation on another replica).
  void forget_tenant(const std::string& tenant_id);
  /// Drops every cached authentication (revocations may have been missed).
  void forget_all();
  /// Called after each revocation that succeeded, with the key's tenant
  /// (cache::ClusterEvents tells the other replicas). Set before serving.
  void set_revocation_listener(std::function<void(const std::string& tenant_id)> listener) {
    revoked_ = std::move(listener);
  }

  /// While the store cannot answer (dependency_unavailable), a key whose
  /// cached authentication expired less than `grace` ago is still accepted
  /// (it was valid then, and no revocation through any replica evicted it:
  /// a revocation is itself a write to that store). 0 (the default): never.
  /// Set before serving (vaultd: with the read cache, cache.read_cache_ttl).
  void set_stale_grace(std::chrono::milliseconds grace) { stale_grace_ = grace; }

  static std::string hash_secret(std::string_view secret);
  /// Test seam: runs in authenticate() between the store lookup and the
  /// cache fill (to interleave a revocation deterministically).
  void set_after_lookup_hook(std::function<void()> hook) { after_lookup_ = std::move(hook); }

 private:
  Result<CreatedKey> create_key_with_secret(const std::string& tenant_id, const std::string& name,
                                            storage::Role role, std::string secret,
                                            std::vector<std::string> permissions = {});
  struct CacheEntry {
    Caller caller;
    Clock::steady_time expires;
  };
  storage::TenantStore& tenants_;
  std::chrono::milliseconds ttl_;
  std::chrono::milliseconds stale_grace_{0};
  const Clock& clock_;
  std::mutex mu_;
  std::unordered_map<std::string, CacheEntry> cache_;  // key: secret hash
  std::uint64_t generation_ = 0;  ///< bumped by every revocation/eviction (under mu_)
  std::mutex revoke_mu_;          ///< serialises the last-platform-key check with the revocation
  std::function<void()> after_lookup_;
  std::function<void(const std::string&)> revoked_;
  std::string system_tenant_id_;
};

}  // namespace vault::domain
