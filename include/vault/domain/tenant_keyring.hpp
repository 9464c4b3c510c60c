#pragma once
/// TenantKeyring: named, versioned 256-bit keys per tenant (the transit keys
/// of /api/v1/transit, and internal keys under reserved names starting with
/// '_', e.g. "_anonymization").
///
/// Each version is 32 bytes from the OS CSPRNG, stored only wrapped by the
/// tenant's KEK (KeyStore tenant keys, serialize_wrapped_key). The
/// unwrapped versions live in a bounded, short-lived cache (crypto::DekCache:
/// LRU + TTL, bytes wiped when the last user releases them).
///
/// Contract:
/// - create: version 1 of a new name (the tenant KEK is created first if
///   needed). Conflict if the name exists. Name syntax is the caller's
///   business (the transit routes check it); any non-empty name of at most
///   128 bytes is accepted here.
/// - ensure: the name's settings, creating version 1 if absent. Idempotent
///   and race-safe: concurrent callers (threads or processes sharing the
///   store) all get the same key.
/// - rotate: adds version latest+1, which becomes current.
/// - key/current: unwrapped key material; a version below the name's
///   min_decryption_version is still returned by key() (the policy is the
///   caller's: TransitService refuses it).
/// - Unknown names: ResourceNotFound with details {"resource": "key", "name"}.
/// - Latest version and settings are cached for `meta_ttl` (default 2 s);
///   changes made through this keyring are visible at once, changes made by
///   another process after at most meta_ttl.
/// Thread-safe. Never logs or returns key bytes in errors.
#include "vault/core/clock.hpp"
#include "vault/core/error.hpp"
#include "vault/crypto/dek_cache.hpp"
#include "vault/crypto/key_provider.hpp"
#include "vault/domain/key_events.hpp"
#include "vault/storage/key_store.hpp"

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace vault::domain {

/// One version's metadata (never key material).
struct TenantKeyVersionInfo {
  std::int64_t version = 0;
  storage::TenantKeyState state = storage::TenantKeyState::Active;
  storage::Timestamp created_at = 0;
};

/// A named key's settings and versions (never key material).
struct TenantKeyInfo {
  storage::TenantKeyConfig config;
  std::int64_t latest_version = 0;
  std::vector<TenantKeyVersionInfo> versions;  ///< ascending
};

/// Changes to a name's settings (unset fields stay).
struct TenantKeyPatch {
  std::optional<std::int64_t> min_decryption_version;  ///< 1 <= v <= latest version
  std::optional<bool> deletion_allowed;
};

struct TenantKeyringOptions {
  crypto::DekCacheOptions cache;  ///< unwrapped versions (default 4096 entries, 5 min)
  std::chrono::milliseconds meta_ttl = std::chrono::seconds(2);
};

class TenantKeyring {
 public:
  /// The key type every name has today (AES-256-GCM with 96-bit nonces).
  static constexpr const char* kDefaultType = "aes256-gcm96";

  /// Drops a tenant's cached keys when `events` says it was purged.
  /// Metadata and key caches expire on `clock`'s steady time.
  TenantKeyring(storage::KeyStore& keys, crypto::KeyProvider& provider, KeyEvents& events,
                TenantKeyringOptions options = {}, const Clock& clock = system_clock());

  /// Creates `name` with version 1. Conflict if it exists; Validation for an
  /// empty/too long name or an unknown type.
  Result<TenantKeyInfo> create(const std::string& tenant_id, const std::string& name,
                               const std::string& type = kDefaultType);
  /// Creates `name` unless it exists; returns its settings either way.
  Result<TenantKeyInfo> ensure(const std::string& tenant_id, const std::string& name,
                               const std::string& type = kDefaultType);
  /// Adds version latest+1 and returns its number.
  Result<std::int64_t> rotate(const std::string& tenant_id, const std::string& name);
  /// Version `version` unwrapped (key_id = name). ResourceNotFound for an
  /// unknown name; KeyRetrieval for a version that does not exist.
  Result<std::shared_ptr<const crypto::DataKey>> key(const std::string& tenant_id, const std::string& name,
                                                     std::int64_t version);
  /// The latest version unwrapped (use it to encrypt).
  Result<std::shared_ptr<const crypto::DataKey>> current(const std::string& tenant_id, const std::string& name);
  /// Settings and versions of one name.
  Result<TenantKeyInfo> info(const std::string& tenant_id, const std::string& name);
  /// Settings only (cached; cheap). ResourceNotFound for an unknown name.
  Result<storage::TenantKeyConfig> config(const std::string& tenant_id, const std::string& name);
  /// Every name of the tenant sorted by name; reserved ('_') names only when asked.
  Result<std::vector<storage::TenantKeyConfig>> list(const std::string& tenant_id, bool include_reserved = false);
  /// Applies `patch`: Validation unless 1 <= min_decryption_version <= latest version.
  Result<TenantKeyInfo> configure(const std::string& tenant_id, const std::string& name, const TenantKeyPatch& patch);
  /// configure() with only min_decryption_version.
  Result<TenantKeyInfo> set_min_decryption_version(const std::string& tenant_id, const std::string& name,
                                                   std::int64_t v);
  /// Deletes the name and every version (crypto-shredding). ResourceNotFound if absent.
  Status destroy(const std::string& tenant_id, const std::string& name);
  /// Rewraps every version of every name of the tenant that is not wrapped
  /// by the KEK's current version (for the KEK-rotation job); returns how
  /// many versions were rewrapped.
  Result<std::int64_t> rewrap_all(const std::string& tenant_id);
  /// Drops cached material and settings of the tenant (tenant purge).
  void forget_tenant(const std::string& tenant_id);

 private:
  struct Meta {
    storage::TenantKeyConfig config;
    std::int64_t latest = 0;
    Clock::steady_time fetched;
  };
  Result<Meta> meta(const std::string& tenant_id, const std::string& name);
  Result<Meta> load_meta(const std::string& tenant_id, const std::string& name);
  void forget_meta(const std::string& tenant_id, const std::string& name);
  Result<std::string> new_wrapped_key(const std::string& tenant_id);

  storage::KeyStore& keys_;
  crypto::KeyProvider& provider_;
  TenantKeyringOptions options_;
  const Clock& clock_;
  crypto::DekCache cache_;  ///< (tenant, name, version) → unwrapped key
  std::mutex meta_mu_;
  std::map<std::pair<std::string, std::string>, Meta> meta_;
  std::mutex create_mu_;  ///< serialises create/rotate in this process
  KeyEvents& events_;     ///< publishes tenant_key_changed after each change
  KeyEvents::Subscription tenant_purged_;  ///< last: end before the rest goes
  KeyEvents::Subscription key_changed_;
  KeyEvents::Subscription all_changed_;
};

}  // namespace vault::domain
