#include "vault/domain/version_service.hpp"

#include "vault/core/ids.hpp"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <memory>
#include <span>

namespace vault::domain {

namespace {

/// Streaming HMAC-SHA256 (OpenSSL 3 EVP_MAC).
class Hmac {
 public:
  Hmac() : mac_(EVP_MAC_fetch(nullptr, "HMAC", nullptr)), ctx_(mac_ ? EVP_MAC_CTX_new(mac_) : nullptr) {}
  ~Hmac() {
    EVP_MAC_CTX_free(ctx_);
    EVP_MAC_free(mac_);
  }
  Hmac(const Hmac&) = delete;
  Hmac& operator=(const Hmac&) = delete;

  bool init(std::span<const std::uint8_t> key) {
    if (!ctx_) return false;
    char digest[] = "SHA256";
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0), OSSL_PARAM_construct_end()};
    return EVP_MAC_init(ctx_, key.data(), key.size(), params) == 1;
  }
  void update(std::string_view b) {
    if (ok_ && EVP_MAC_update(ctx_, reinterpret_cast<const unsigned char*>(b.data()), b.size()) != 1) ok_ = false;
  }
  /// Hex of the MAC, or empty on failure.
  std::string final_hex() {
    unsigned char out[EVP_MAX_MD_SIZE];
    std::size_t len = 0;
    if (!ok_ || EVP_MAC_final(ctx_, out, &len, sizeof out) != 1) return {};
    static constexpr char hex[] = "0123456789abcdef";
    std::string h;
    for (std::size_t i = 0; i < len; ++i) {
      h += hex[out[i] >> 4];
      h += hex[out[i] & 15];
    }
    return h;
  }

 private:
  EVP_MAC* mac_;
  EVP_MAC_CTX* ctx_;
  bool ok_ = true;
};

}  // namespace

VersionService::VersionService(storage::MetadataStore& store, DatasetService& datasets,
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
  Hmac mac;
  if (!mac.init((*key)->key.span())) return fail(ErrorKind::InternalServer, "cannot initialise HMAC-SHA256");
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
  v.content_hash = std::string(kHashScheme) + ":v" + std::to_string((*key)->version) + ":" + hex;
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
