#include "vault/domain/version_service.hpp"

#include "vault/core/ids.hpp"

#include "vault/crypto/hmac.hpp"

namespace vault::domain {


VersionService::VersionService(storage::VersionStore& store, DatasetService& datasets,
                               RecordService& records, TenantKeyring& keyring)
    : store_(store), datasets_(datasets), records_(records), keyring_(keyring) {}

Result<storage::Version> VersionService::create(const std::string& tenant_id,
                                                const std::string& dataset_id,
                                                const std::string& message,
                                                const std::string& author_key_id) {
  if (message.size() > 4096)
    return fail(ErrorKind::Validation, "message is limited to 4096 bytes", {{"field", "message"}});
  auto d = datasets_.get(tenant_id, dataset_id);
  if (!d) return std::unexpected(d.error());
  storage::Version v;
  v.dataset_id = dataset_id;
  v.seq = d->seq;
  v.message = message;
  v.author_key_id = author_key_id;

  if (auto e = keyring_.ensure(tenant_id, kHashKeyName); !e) return std::unexpected(e.error());
  auto key = keyring_.current(tenant_id, kHashKeyName);
  if (!key) return std::unexpected(key.error());
  crypto::HmacSha256 mac((*key)->key);
  auto s = records_.scan(*d, v.seq, [&](const std::string& id, const std::string& payload) {
    mac.update(id);
    mac.update(std::string_view("\0", 1));
    mac.update(payload);
    mac.update("\n");
    ++v.record_count;
    v.record_bytes += static_cast<std::int64_t>(payload.size());
  });
  if (!s) return std::unexpected(s.error());
  std::string hex = mac.final_hex();
  if (hex.empty()) return fail(ErrorKind::InternalServer, "HMAC-SHA256 failed");
  v.content_hash = crypto::keyed_digest_label((*key)->version, hex);
  v.created_at = now_micros();
  return store_.create_version(tenant_id, v);
}

Result<std::vector<storage::Version>> VersionService::list(const std::string& tenant_id,
                                                           const std::string& dataset_id) {
  return store_.list_versions(tenant_id, dataset_id);
}

Result<storage::Version> VersionService::get(const std::string& tenant_id,
                                             const std::string& dataset_id, std::int64_t number) {
  return store_.get_version(tenant_id, dataset_id, number);
}

}  // namespace vault::domain
