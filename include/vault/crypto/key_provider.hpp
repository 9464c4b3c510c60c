#pragma once
/// KeyProvider: the tenants' key-encryption keys (KEKs), versioned.
///
/// A KEK never leaves its provider; callers hand it data keys (DEKs) to wrap
/// and get wrapped bytes back. Each tenant has one KEK with versions 1, 2, ...;
/// the current (highest) version wraps, every non-retired version unwraps.
///
/// Contract for every implementation (tests/conformance/key_provider_conformance.hpp):
/// - ensure_kek creates version 1 when the tenant has no KEK; otherwise a no-op.
/// - wrap uses the current version and binds the tenant id and version (a wrap
///   of tenant A never unwraps as tenant B).
/// - rotate adds version current+1 and makes it current; older versions
///   keep unwrapping until retired.
/// - retire(v) removes version v's key material: unwraps with v fail with
///   KeyRetrieval afterwards. Retiring the current version is refused
///   (Conflict: rotate first); retiring a retired version is a no-op.
/// - destroy removes every version (crypto-shredding); idempotent. A later
///   ensure_kek starts a new, unrelated KEK at version 1 (old wraps still fail).
/// - Changes are durable when the call returns (they survive re-opening).
/// - All methods are thread-safe and blocking.
///
/// Errors: KeyRetrieval (no KEK for the tenant, unknown/retired version, a
/// wrap of another tenant), DecryptionOperation (wrapped bytes fail
/// authentication), EncryptionOperation (wrap failed), KeyProvider (the
/// backend: keyring I/O, HSM errors), Configuration (bad URL/config at open).
/// Messages never contain key bytes.
#include "vault/core/error.hpp"
#include "vault/crypto/secure_bytes.hpp"

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace vault::crypto {

/// A DEK wrapped by a tenant KEK. `bytes` is opaque (provider-specific);
/// store all three fields (serialize_wrapped_key does that).
struct WrappedKey {
  std::string kek_id;             ///< "vault-kek/<tenant>"
  std::uint32_t kek_version = 0;  ///< the KEK version that wrapped it
  std::string bytes;
  friend bool operator==(const WrappedKey&, const WrappedKey&) = default;
};

/// One self-delimiting string for storage: 0x01 || u8 len || kek_id || u32 version || bytes.
std::string serialize_wrapped_key(const WrappedKey& w);
/// Inverse of serialize_wrapped_key; DecryptionOperation if malformed.
Result<WrappedKey> parse_wrapped_key(std::string_view s);

/// The key id all providers use for a tenant's KEK.
std::string kek_id_for(std::string_view tenant_id);

class KeyProvider {
 public:
  virtual ~KeyProvider() = default;
  /// "local" or "pkcs11".
  virtual std::string_view kind() const = 0;
  /// Creates version 1 if the tenant has no KEK.
  virtual Status ensure_kek(const std::string& tenant_id) = 0;
  /// The version wrap() uses now. KeyRetrieval if the tenant has no KEK.
  virtual Result<std::uint32_t> current_version(const std::string& tenant_id) = 0;
  /// Non-retired versions, ascending (empty if the tenant has no KEK).
  virtual Result<std::vector<std::uint32_t>> versions(const std::string& tenant_id) = 0;
  /// Wraps `dek` with the current version. KeyRetrieval if no KEK.
  virtual Result<WrappedKey> wrap(const std::string& tenant_id, ByteView dek) = 0;
  /// Unwraps with the version named in `w`.
  virtual Result<SecureBytes> unwrap(const std::string& tenant_id, const WrappedKey& w) = 0;
  /// Adds a new current version and returns its number. KeyRetrieval if no KEK.
  virtual Result<std::uint32_t> rotate(const std::string& tenant_id) = 0;
  /// Destroys one non-current version's key material.
  virtual Status retire(const std::string& tenant_id, std::uint32_t version) = 0;
  /// Destroys all of the tenant's key material (crypto-shredding).
  virtual Status destroy(const std::string& tenant_id) = 0;
  /// Health check of the backend (KeyProvider error if unusable).
  virtual Status ping() = 0;
  /// Forgets what this process remembers of the tenant's KEK versions
  /// (another process sharing the backend rotated or retired one). A
  /// provider that caches nothing, or that only one process opens, ignores it.
  virtual void forget_cached(const std::string& /*tenant_id*/) {}
  virtual void forget_all_cached() {}
};

/// Defaults the factory applies to a URL that leaves them out.
struct KeyProviderDefaults {
  std::filesystem::path data_dir;  ///< local keyring default: <data_dir>/keys/
};

/// Opens a provider from a URL. Syntax:
///
///   ""  or  "local"                       keyring <data_dir>/keys/keyring.sealed,
///                                         master key file <data_dir>/keys/master.key
///   local:///abs/keyring.sealed[?master_key_file=/abs/master.key | ?master_key_env=VAR]
///       master_key_file (default: master.key next to the keyring) is created
///       with mode 0600 and 32 random bytes if absent; it must not be
///       group/other accessible. master_key_env names an environment variable
///       holding the 32-byte master key as 64 hex digits or base64.
///   pkcs11:///usr/lib/softhsm/libsofthsm2.so?token=LABEL&pin=PIN
///   pkcs11:///usr/lib/softhsm/libsofthsm2.so?token=LABEL&pin_env=VAR
///       the module path, the token label and the user PIN (inline or from
///       an environment variable). Query values are percent-decoded.
///
/// Configuration error for a malformed URL; KeyProvider if the backend
/// cannot be opened. Every provider it returns reports to the CryptoObserver.
Result<std::unique_ptr<KeyProvider>> open_key_provider(std::string_view url,
                                                       const KeyProviderDefaults& defaults = {});

}  // namespace vault::crypto
