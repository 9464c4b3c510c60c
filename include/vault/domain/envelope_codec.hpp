#pragma once
/// PayloadCodec with envelope encryption: every record payload is sealed
/// with AES-256-GCM under its dataset's data key (DEK), with associated data
/// tenant|dataset|record so a ciphertext moved to another record, dataset or
/// tenant fails to open. DEKs are created on a dataset's first write, stored
/// only wrapped by the tenant's KEK (KeyStore data keys), and cached
/// unwrapped in the Envelope's bounded, wiping DekCache.
#include "vault/crypto/envelope.hpp"
#include "vault/domain/key_events.hpp"
#include "vault/domain/seams.hpp"
#include "vault/storage/key_store.hpp"

#include <array>
#include <mutex>
#include <string>
#include <unordered_map>

namespace vault::domain {

class EnvelopePayloadCodec final : public PayloadCodec {
 public:
  /// Forgets a dataset's cached key state whenever `events` says its data
  /// keys changed or are gone.
  EnvelopePayloadCodec(storage::KeyStore& keys, crypto::Envelope& envelope, KeyEvents& events);

  Result<std::string> seal(const PayloadContext& ctx, std::string_view plaintext) override;
  Result<std::string> open(const PayloadContext& ctx, std::string_view stored) override;

  /// Drops cached key state of a deleted dataset.
  void forget_dataset(const std::string& tenant_id, const std::string& dataset_id);
  /// Drops every cached key and active version (KeyEvents::all_keys_changed).
  void forget_all();

 private:
  /// The DEK that new writes of the dataset use (created on first use).
  Result<std::shared_ptr<const crypto::DataKey>> active_key(const std::string& tenant_id,
                                                           const std::string& dataset_id);
  /// DEK `version` of the dataset, from the cache or unwrapped from the store.
  Result<std::shared_ptr<const crypto::DataKey>> key_version(const std::string& tenant_id,
                                                            const std::string& dataset_id,
                                                            std::uint32_t version);
  Result<std::shared_ptr<const crypto::DataKey>> create_first_key(const std::string& tenant_id,
                                                                  const std::string& dataset_id);

  storage::KeyStore& keys_;
  crypto::Envelope& envelope_;
  std::mutex mu_;
  /// Serialise first-DEK creation per dataset in this process, striped by
  /// dataset: a hung key provider call holds up the first writes of 1/64
  /// of the datasets, not of all of them.
  std::array<std::mutex, 64> create_mu_;
  std::unordered_map<std::string, std::uint32_t> active_version_;  ///< "tenant\0dataset" → version
  KeyEvents::Subscription keys_changed_;  ///< last: end before the rest goes
  KeyEvents::Subscription all_changed_;
};

}  // namespace vault::domain
