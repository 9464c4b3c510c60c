#pragma once
/// Envelope encryption: per-dataset data keys (DEKs) wrapped by the tenant's
/// KEK, record payloads sealed under the DEK with AES-256-GCM.
///
/// The PayloadCodec on top of this looks like:
///
///   seal:  dk = envelope.data_key(tenant, dataset, dek_version, wrapped)   // cached
///          stored = seal_record(**dk, {tenant, dataset, record}, plaintext)
///   open:  h = parse_header(stored)                     // h.key_version = DEK version
///          dk = envelope.data_key(tenant, dataset, h.key_version, wrapped_for(h.key_version))
///          plaintext = open_record(**dk, {tenant, dataset, record}, stored)
///
/// The stored bytes are the aead.hpp format: header {format, key id =
/// DataKey::key_id, key version = DataKey::version} || nonce || ct || tag.
#include "vault/core/error.hpp"
#include "vault/crypto/dek_cache.hpp"
#include "vault/crypto/key_provider.hpp"
#include "vault/crypto/secure_bytes.hpp"

#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>

namespace vault::crypto {

/// 32 bytes from the OS CSPRNG.
SecureBytes generate_dek();

/// Unambiguous associated data: each field as u32 big-endian length || bytes,
/// so {"a","bc"} and {"ab","c"} differ.
std::string encode_aad(std::initializer_list<std::string_view> fields);

/// Seals `plaintext` under `dek` with AAD = encode_aad(aad_fields)
/// (e.g. {tenant, dataset, record}). EncryptionOperation on failure.
Result<std::string> seal_record(const DataKey& dek, std::initializer_list<std::string_view> aad_fields,
                                std::string_view plaintext);
/// Opens what seal_record produced with the same key and fields;
/// DecryptionOperation on any mismatch or tamper.
Result<std::string> open_record(const DataKey& dek, std::initializer_list<std::string_view> aad_fields,
                                std::string_view sealed);

/// DEK lifecycle over a KeyProvider, with a DekCache of unwrapped keys.
/// DataKey::key_id is the dataset id. Thread-safe.
class Envelope {
 public:
  explicit Envelope(std::shared_ptr<KeyProvider> provider, DekCache::Options cache_options = {});

  struct NewDek {
    std::shared_ptr<const DataKey> key;
    WrappedKey wrapped;  ///< store this (serialize_wrapped_key); the key itself never
  };
  /// Generates DEK `version` for the dataset and wraps it with the tenant's
  /// current KEK (creating the KEK if needed). Not cached: the caller
  /// remember()s it once the store accepted it — another process may store
  /// its own version `version` first, and a cached key that was never stored
  /// would seal records nobody can open.
  Result<NewDek> create_dek(const std::string& tenant_id, const std::string& dataset_id,
                            std::uint32_t version);
  /// Caches a DEK the store accepted (after create_dek).
  void remember(const std::string& tenant_id, const std::string& dataset_id, std::shared_ptr<const DataKey> key);
  /// The unwrapped DEK, from the cache or by unwrapping `wrapped`.
  Result<std::shared_ptr<const DataKey>> data_key(const std::string& tenant_id,
                                                  const std::string& dataset_id,
                                                  std::uint32_t version, const WrappedKey& wrapped);
  /// `wrapped` re-wrapped with the tenant's current KEK version (unchanged
  /// if it already uses it). For the KEK-rotation job.
  Result<WrappedKey> rewrap(const std::string& tenant_id, const WrappedKey& wrapped);
  /// Drops cached DEKs (call on dataset/tenant purge, before destroying keys).
  void forget_dataset(const std::string& tenant_id, const std::string& dataset_id);
  void forget_tenant(const std::string& tenant_id);

  KeyProvider& provider() { return *provider_; }
  DekCache& cache() { return cache_; }

 private:
  std::shared_ptr<KeyProvider> provider_;
  DekCache cache_;
};

}  // namespace vault::crypto
