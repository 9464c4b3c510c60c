#pragma once
/// PayloadCodec with envelope encryption: every record payload is sealed
/// with AES-256-GCM under its dataset's data key (DEK), with associated data
/// tenant|dataset|record so a ciphertext moved to another record, dataset or
/// tenant fails to open. DEKs are created on a dataset's first write, stored
/// only wrapped by the tenant's KEK (KeyStore data keys), and cached
/// unwrapped in the Envelope's bounded, wiping DekCache.
///
/// While the key store cannot answer (dependency_unavailable), opening a
/// payload uses the dataset's wrapped keys as this process last listed them
/// (kept in memory only, wrapped, and forgotten with the dataset's other
/// key state), so that copies from the read cache can be opened while the
/// database is down; the key provider still unwraps them.
#include "vault/crypto/envelope.hpp"
#include "vault/domain/key_events.hpp"
#include "vault/domain/seams.hpp"
#include "vault/storage/key_store.hpp"

#include <array>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

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
  /// Drops the listed wrapped keys of the tenant's datasets.
  void forget_listed(const std::string& tenant_id);
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
  /// The dataset's wrapped keys from the store, or as last listed when the
  /// store cannot answer now.
  Result<std::vector<storage::DataKey>> listed_keys(const std::string& tenant_id, const std::string& dataset_id);

  storage::KeyStore& keys_;
  crypto::Envelope& envelope_;
  std::mutex mu_;
  /// Serialise first-DEK creation per dataset in this process, striped by
  /// dataset: a hung key provider call holds up the first writes of 1/64
  /// of the datasets, not of all of them.
  std::array<std::mutex, 64> create_mu_;
  std::unordered_map<std::string, std::uint32_t> active_version_;  ///< "tenant\0dataset" → version
  std::unordered_map<std::string, std::vector<storage::DataKey>> listed_;  ///< "tenant\0dataset" → wrapped keys
  KeyEvents::Subscription keys_changed_;  ///< last: end before the rest goes
  KeyEvents::Subscription kek_changed_;
  KeyEvents::Subscription tenant_purged_;
  KeyEvents::Subscription all_changed_;
};

}  // namespace vault::domain
