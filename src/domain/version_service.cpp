#include "vault/domain/version_service.hpp"

#include "vault/core/ids.hpp"

#include <openssl/evp.h>

#include <memory>

namespace vault::domain {

VersionService::VersionService(storage::MetadataStore& store, DatasetService& datasets,
                               RecordService& records)
    : store_(store), datasets_(datasets), records_(records) {}

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

  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> md(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  if (!md || EVP_DigestInit_ex(md.get(), EVP_sha256(), nullptr) != 1)
    return fail(ErrorKind::InternalServer, "cannot initialise SHA-256");
  auto s = records_.scan(*d, v.seq, [&](const std::string& id, const std::string& payload) {
    EVP_DigestUpdate(md.get(), id.data(), id.size());
    EVP_DigestUpdate(md.get(), "\0", 1);
    EVP_DigestUpdate(md.get(), payload.data(), payload.size());
    EVP_DigestUpdate(md.get(), "\n", 1);
    ++v.record_count;
    v.record_bytes += static_cast<std::int64_t>(payload.size());
  });
  if (!s) return std::unexpected(s.error());
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(md.get(), digest, &len);
  static constexpr char hex[] = "0123456789abcdef";
  for (unsigned i = 0; i < len; ++i) {
    v.content_hash += hex[digest[i] >> 4];
    v.content_hash += hex[digest[i] & 15];
  }
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
