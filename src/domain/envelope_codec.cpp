#include "vault/domain/envelope_codec.hpp"

#include "vault/core/ids.hpp"
#include "vault/crypto/aead.hpp"

namespace vault::domain {
namespace {

std::string map_key(const std::string& tenant_id, const std::string& dataset_id) {
  std::string k = tenant_id;
  k += '\0';
  k += dataset_id;
  return k;
}

}  // namespace

EnvelopePayloadCodec::EnvelopePayloadCodec(storage::KeyStore& keys, crypto::Envelope& envelope,
                                           KeyEvents& events)
    : keys_(keys),
      envelope_(envelope),
      keys_changed_(events.on_dataset_keys_changed(
          [this](const std::string& tenant_id, const std::string& dataset_id) { forget_dataset(tenant_id, dataset_id); })),
      // rewrapped (the listed copies hold the old wrapping) or purged
      kek_changed_(events.on_tenant_kek_changed([this](const std::string& t) { forget_listed(t); })),
      tenant_purged_(events.on_tenant_purged([this](const std::string& t) { forget_listed(t); })),
      all_changed_(events.on_all_keys_changed([this] { forget_all(); })) {}

Result<std::shared_ptr<const crypto::DataKey>> EnvelopePayloadCodec::key_version(
    const std::string& tenant_id, const std::string& dataset_id, std::uint32_t version) {
  if (auto hit = envelope_.cache().get(tenant_id, dataset_id, version)) return hit;
  auto keys = listed_keys(tenant_id, dataset_id);
  if (!keys) return std::unexpected(keys.error());
  for (const auto& k : *keys) {
    if (k.version != static_cast<std::int64_t>(version)) continue;
    if (k.state == storage::DataKeyState::Retired)
      return fail(ErrorKind::KeyRetrieval, "the data key version of this record has been retired",
                  {{"dek_version", version}});
    auto wrapped = crypto::parse_wrapped_key(k.wrapped);
    if (!wrapped) return std::unexpected(wrapped.error());
    return envelope_.data_key(tenant_id, dataset_id, version, *wrapped);
  }
  return fail(ErrorKind::KeyRetrieval, "no data key of this version for the dataset",
              {{"dek_version", version}});
}

Result<std::vector<storage::DataKey>> EnvelopePayloadCodec::listed_keys(const std::string& tenant_id,
                                                                         const std::string& dataset_id) {
  auto keys = keys_.list_data_keys(tenant_id, dataset_id);
  std::lock_guard lk(mu_);
  if (keys) {
    if (listed_.size() > 100000) listed_.clear();
    listed_[map_key(tenant_id, dataset_id)] = *keys;
    return keys;
  }
  if (dependency_unavailable(keys.error().kind()))
    if (auto it = listed_.find(map_key(tenant_id, dataset_id)); it != listed_.end()) return it->second;
  return keys;
}

Result<std::shared_ptr<const crypto::DataKey>> EnvelopePayloadCodec::create_first_key(
    const std::string& tenant_id, const std::string& dataset_id) {
  // One creator at a time in this process; across processes the store
  // decides (its version 1 is unique), and the DEK is cached only once the
  // store accepted it.
  std::lock_guard create_lock(create_mu_[std::hash<std::string>{}(map_key(tenant_id, dataset_id)) % create_mu_.size()]);
  auto existing = keys_.list_data_keys(tenant_id, dataset_id);
  if (!existing) return std::unexpected(existing.error());
  for (const auto& k : *existing)
    if (k.version == 1) return key_version(tenant_id, dataset_id, 1);
  auto created = envelope_.create_dek(tenant_id, dataset_id, 1);
  if (!created) return std::unexpected(created.error());
  storage::DataKey row;
  row.tenant_id = tenant_id;
  row.dataset_id = dataset_id;
  row.version = 1;
  row.kek_id = created->wrapped.kek_id;
  row.kek_version = created->wrapped.kek_version;
  row.wrapped = crypto::serialize_wrapped_key(created->wrapped);
  row.created_at = now_micros();
  if (auto s = keys_.put_data_key(row); !s) {
    // Another writer (thread or process) stored version 1 first: use theirs.
    if (s.error().kind() != ErrorKind::Conflict) return std::unexpected(s.error());
    return key_version(tenant_id, dataset_id, 1);
  }
  envelope_.remember(tenant_id, dataset_id, created->key);
  return created->key;
}

Result<std::shared_ptr<const crypto::DataKey>> EnvelopePayloadCodec::active_key(
    const std::string& tenant_id, const std::string& dataset_id) {
  const std::string mk = map_key(tenant_id, dataset_id);
  std::uint32_t version = 0;
  {
    std::lock_guard lk(mu_);
    if (auto it = active_version_.find(mk); it != active_version_.end()) version = it->second;
  }
  if (version) {
    if (auto hit = envelope_.cache().get(tenant_id, dataset_id, version)) return hit;
  }
  auto keys = keys_.list_data_keys(tenant_id, dataset_id);
  if (!keys) return std::unexpected(keys.error());
  version = 0;
  for (const auto& k : *keys)
    if (k.state == storage::DataKeyState::Active) version = static_cast<std::uint32_t>(k.version);
  Result<std::shared_ptr<const crypto::DataKey>> key =
      version ? key_version(tenant_id, dataset_id, version) : create_first_key(tenant_id, dataset_id);
  if (!key) return key;
  std::lock_guard lk(mu_);
  if (active_version_.size() > 100000) active_version_.clear();
  active_version_[mk] = (*key)->version;
  return key;
}

Result<std::string> EnvelopePayloadCodec::seal(const PayloadContext& ctx, std::string_view plaintext) {
  auto key = active_key(ctx.tenant_id, ctx.dataset_id);
  if (!key) return std::unexpected(key.error());
  const std::string rev = revision_aad(ctx.revision);
  return crypto::seal_record(**key, {ctx.tenant_id, ctx.dataset_id, ctx.record_id, rev}, plaintext);
}

Result<std::string> EnvelopePayloadCodec::open(const PayloadContext& ctx, std::string_view stored) {
  auto header = crypto::parse_header(stored);
  if (!header) return std::unexpected(header.error());
  if (header->key_id != ctx.dataset_id)
    return fail(ErrorKind::DecryptionOperation, "the ciphertext does not belong to this dataset");
  auto key = key_version(ctx.tenant_id, ctx.dataset_id, header->key_version);
  if (!key) return std::unexpected(key.error());
  const std::string rev = revision_aad(ctx.revision);
  return crypto::open_record(**key, {ctx.tenant_id, ctx.dataset_id, ctx.record_id, rev}, stored);
}

void EnvelopePayloadCodec::forget_dataset(const std::string& tenant_id, const std::string& dataset_id) {
  envelope_.forget_dataset(tenant_id, dataset_id);
  std::lock_guard lk(mu_);
  active_version_.erase(map_key(tenant_id, dataset_id));
  listed_.erase(map_key(tenant_id, dataset_id));
}

void EnvelopePayloadCodec::forget_listed(const std::string& tenant_id) {
  const std::string prefix = tenant_id + '\0';
  std::lock_guard lk(mu_);
  std::erase_if(listed_, [&](const auto& kv) { return kv.first.starts_with(prefix); });
}

void EnvelopePayloadCodec::forget_all() {
  envelope_.cache().clear();
  std::lock_guard lk(mu_);
  active_version_.clear();
  listed_.clear();
}

}  // namespace vault::domain
