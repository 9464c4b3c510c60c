#pragma once
/// TransitService: encryption as a service with named tenant keys (like the
/// transit engine of HashiCorp Vault). The caller never sees key material
/// (except the data keys it asks for); the vault never stores the data.
///
/// Ciphertext: "vault:v<N>:<base64>" where N is the key version and the
/// base64 (standard, padded) holds the aead.hpp sealed bytes (header with key
/// id = key name and version N, 96-bit random nonce, AES-256-GCM ciphertext,
/// tag). The associated data binds tenant, key name and version (and the
/// optional caller context), so a ciphertext of key A or tenant T1 fails
/// under key B or tenant T2.
///
/// Inputs and outputs are base64 (plaintext, context, data keys). Errors:
/// - unknown key: ResourceNotFound (404) with details {"resource": "key", "name"};
/// - malformed ciphertext, bad base64, a ciphertext that fails
///   authentication (tampered, other key, other tenant, wrong context):
///   Validation (400) with details.field and details.reason
///   ("malformed" | "authentication_failed" | "key_mismatch");
/// - a version below min_decryption_version: Validation (400), reason
///   "version_below_min_decryption_version"; a version above the latest:
///   Validation, reason "unknown_version";
/// - a plaintext larger than limits.max_item_bytes: PayloadTooLarge (413).
/// Messages never contain plaintext, ciphertext bytes or keys.
#include "vault/core/error.hpp"
#include "vault/domain/tenant_keyring.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace vault::domain {

struct TransitLimits {
  std::size_t max_batch_items = 1000;
  std::size_t max_item_bytes = 1 << 20;  ///< decoded plaintext per item
};

class TransitService {
 public:
  explicit TransitService(TenantKeyring& keyring, TransitLimits limits = {});

  struct Encrypted {
    std::string ciphertext;  ///< "vault:vN:..."
    std::int64_t key_version = 0;
  };
  struct DataKeyResult {
    std::optional<std::string> plaintext;  ///< base64 of the 32-byte key (plaintext mode only)
    std::string ciphertext;                ///< the key encrypted under the named key
    std::int64_t key_version = 0;
  };

  /// Encrypts base64 `plaintext_b64` with the current version of `name`.
  Result<Encrypted> encrypt(const std::string& tenant_id, const std::string& name, std::string_view plaintext_b64,
                            std::optional<std::string_view> context_b64 = std::nullopt);
  /// The base64 plaintext of `ciphertext`.
  Result<std::string> decrypt(const std::string& tenant_id, const std::string& name, std::string_view ciphertext,
                              std::optional<std::string_view> context_b64 = std::nullopt);
  /// Decrypts with its version and encrypts with the current one.
  Result<Encrypted> rewrap(const std::string& tenant_id, const std::string& name, std::string_view ciphertext,
                           std::optional<std::string_view> context_b64 = std::nullopt);
  /// A fresh random 256-bit data key encrypted under `name`; its plaintext
  /// too when `with_plaintext`.
  Result<DataKeyResult> datakey(const std::string& tenant_id, const std::string& name, bool with_plaintext,
                                std::optional<std::string_view> context_b64 = std::nullopt);

  /// The version a ciphertext names ("vault:v3:..." → 3); Validation if malformed.
  static Result<std::int64_t> ciphertext_version(std::string_view ciphertext);

  TenantKeyring& keyring() { return keyring_; }
  const TransitLimits& limits() const { return limits_; }

 private:
  Result<Encrypted> seal(const std::string& tenant_id, const std::string& name, std::string_view plaintext,
                         std::string_view context);
  Result<std::string> open(const std::string& tenant_id, const std::string& name, std::string_view ciphertext,
                           std::string_view context);

  TenantKeyring& keyring_;
  TransitLimits limits_;
};

}  // namespace vault::domain
