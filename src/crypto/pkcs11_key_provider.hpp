#pragma once
/// Pkcs11KeyProvider: KEKs are non-extractable AES-256 keys inside a PKCS#11
/// token (an HSM; tested with SoftHSM 2.6). Wrap and unwrap run inside the token.
///
/// - The module is dlopen'ed from `module_path` and initialised once per
///   process (shared by providers on the same module; finalised when the
///   last one closes). The provider logs into the token labelled
///   `token_label` with the user PIN and keeps one R/W session, guarded by a
///   mutex (SoftHSM serialises internally anyway).
/// - KEK version v of tenant T is a secret key object with CKA_CLASS =
///   CKO_SECRET_KEY, CKA_KEY_TYPE = CKK_AES, CKA_VALUE_LEN = 32, CKA_TOKEN,
///   CKA_PRIVATE, CKA_SENSITIVE = true, CKA_EXTRACTABLE = false, CKA_ENCRYPT /
///   CKA_DECRYPT = true, CKA_ID = kek_id_for(T), CKA_LABEL = "vault-kek/T/v".
/// - Wrap = CKM_AES_GCM through C_Encrypt on the DEK bytes (SoftHSM 2.6
///   supports it; AES-KW-PAD would need the DEK as a token object). The
///   token computes ciphertext||tag for a 96-bit random nonce and AAD =
///   header || encode_aad({"vault-kek-wrap", T}); the wrapped bytes use the
///   aead.hpp layout (header{kek_id, version} || nonce || ct || tag), so
///   any tamper of header, nonce or ciphertext fails in the token.
/// - retire / destroy delete the key objects (C_DestroyObject). A missing
///   version below the current one counts as retired.
/// - One provider per token per process (it caches object handles).
#include "vault/crypto/key_provider.hpp"

#include <memory>
#include <string>

namespace vault::crypto {

struct Pkcs11Config {
  std::string module_path;  ///< e.g. /usr/lib/softhsm/libsofthsm2.so
  std::string token_label;  ///< label given at token init
  SecureBytes pin;          ///< the user PIN
};

class Pkcs11KeyProvider final : public KeyProvider {
 public:
  /// Loads the module, finds the token, opens a session and logs in.
  /// KeyProvider error on any failure (the PIN is never echoed).
  static Result<std::unique_ptr<Pkcs11KeyProvider>> open(Pkcs11Config config);
  ~Pkcs11KeyProvider() override;

  std::string_view kind() const override { return "pkcs11"; }
  Status ensure_kek(const std::string& tenant_id) override;
  Result<std::uint32_t> current_version(const std::string& tenant_id) override;
  Result<std::vector<std::uint32_t>> versions(const std::string& tenant_id) override;
  Result<WrappedKey> wrap(const std::string& tenant_id, ByteView dek) override;
  Result<SecureBytes> unwrap(const std::string& tenant_id, const WrappedKey& w) override;
  Result<std::uint32_t> rotate(const std::string& tenant_id) override;
  Status retire(const std::string& tenant_id, std::uint32_t version) override;
  Status destroy(const std::string& tenant_id) override;
  Status ping() override;
  void forget_cached(const std::string& tenant_id) override;
  void forget_all_cached() override;

 private:
  Result<WrappedKey> wrap_once(const std::string& tenant_id, ByteView dek);

  struct Impl;

 private:
  explicit Pkcs11KeyProvider(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace vault::crypto
