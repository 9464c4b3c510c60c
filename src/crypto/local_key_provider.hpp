#pragma once
/// LocalKeyProvider: KEKs in a keyring file sealed under a master key.
///
/// - Keyring: every tenant's KEK versions (random 256-bit keys) with their
///   state, serialised and sealed as ONE AES-256-GCM ciphertext (aead.hpp
///   format, key id "vault-keyring") under the 32-byte master key. Nothing
///   about the KEKs is stored anywhere else.
/// - Every change rewrites the file atomically and durably (temp file 0600,
///   fsync, rename, fsync of the directory) before the call returns.
/// - Retire and destroy delete the key bytes from the keyring (a retired
///   version keeps only its number and state).
/// - Wrap is AES-256-GCM under the KEK version (aead.hpp format: key id =
///   kek_id_for(tenant), key version = KEK version) with AAD
///   encode_aad({"vault-kek-wrap", tenant}); the header binds the version.
/// - The keyring is held open with an exclusive flock on "<keyring>.lock":
///   one provider per keyring (a second open fails with KeyProvider).
#include "vault/crypto/key_provider.hpp"

#include <filesystem>
#include <map>
#include <memory>
#include <shared_mutex>

namespace vault::crypto {

class LocalKeyProvider final : public KeyProvider {
 public:
  /// Opens (or creates, empty) the keyring at `keyring_path`, sealed with
  /// `master_key` (32 bytes). KeyProvider if the file exists but cannot be
  /// opened with this master key, or on I/O errors.
  static Result<std::unique_ptr<LocalKeyProvider>> open(const std::filesystem::path& keyring_path,
                                                        SecureBytes master_key);
  ~LocalKeyProvider() override;

  std::string_view kind() const override { return "local"; }
  Status ensure_kek(const std::string& tenant_id) override;
  Result<std::uint32_t> current_version(const std::string& tenant_id) override;
  Result<std::vector<std::uint32_t>> versions(const std::string& tenant_id) override;
  Result<WrappedKey> wrap(const std::string& tenant_id, ByteView dek) override;
  Result<SecureBytes> unwrap(const std::string& tenant_id, const WrappedKey& w) override;
  Result<std::uint32_t> rotate(const std::string& tenant_id) override;
  Status retire(const std::string& tenant_id, std::uint32_t version) override;
  Status destroy(const std::string& tenant_id) override;
  Status ping() override;

 private:
  struct Version {
    bool retired = false;
    SecureBytes key;  ///< empty when retired
  };
  using Tenant = std::map<std::uint32_t, Version>;
  using Keyring = std::map<std::string, Tenant>;

  LocalKeyProvider(std::filesystem::path path, SecureBytes master, int lock_fd);
  /// Applies `change` to the tenant's entry (nullptr = absent) and persists;
  /// restores the previous entry if persisting fails.
  template <class F>
  Status mutate(const std::string& tenant_id, F&& change);
  Status persist_locked();

  std::filesystem::path path_;
  SecureBytes master_;
  int lock_fd_;
  std::shared_mutex mu_;
  Keyring keyring_;

  static std::string serialize(const Keyring& k);
  static Result<Keyring> parse(std::string_view plain);
};

}  // namespace vault::crypto
