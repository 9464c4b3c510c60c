#include "vault/domain/blob_payload_codec.hpp"

#include "vault/core/ids.hpp"

namespace vault::domain {
namespace {

constexpr std::string_view kMagic{"\0vault-blob:1\0", 14};

std::string record_prefix(const PayloadContext& ctx) {
  return "payloads/" + ctx.tenant_id + "/" + ctx.dataset_id + "/" + sha256_hex(ctx.record_id).substr(0, 32) + "/";
}

class BlobPayloadCodec final : public PayloadCodec {
 public:
  BlobPayloadCodec(PayloadCodec& inner, storage::BlobStore& blobs, std::size_t inline_max)
      : inner_(inner), blobs_(blobs), inline_max_(inline_max) {}

  Result<std::string> seal(const PayloadContext& ctx, std::string_view plaintext) override {
    auto sealed = inner_.seal(ctx, plaintext);
    if (!sealed || sealed->size() <= inline_max_) return sealed;
    return store_payload_blob(blobs_, ctx, *sealed);
  }

  Result<std::string> open(const PayloadContext& ctx, std::string_view stored) override {
    if (!is_blob_reference(stored)) return inner_.open(ctx, stored);
    auto key = blob_key_of(ctx, stored);
    if (!key) return std::unexpected(key.error());
    auto sealed = blobs_.get(*key);
    if (!sealed) return std::unexpected(sealed.error());
    return inner_.open(ctx, *sealed);
  }

  // References must be followed even when the inner codec stores plaintext.
  bool is_identity() const override { return false; }

 private:
  PayloadCodec& inner_;
  storage::BlobStore& blobs_;
  const std::size_t inline_max_;
};

}  // namespace

bool is_blob_reference(std::string_view stored) { return stored.starts_with(kMagic); }

Result<std::string> blob_key_of(const PayloadContext& ctx, std::string_view reference) {
  if (!is_blob_reference(reference))
    return fail(ErrorKind::DecryptionOperation, "the stored payload is not a blob reference");
  std::string key(reference.substr(kMagic.size()));
  const std::string prefix = record_prefix(ctx);
  if (!key.starts_with(prefix) || key.size() == prefix.size() || key.find('/', prefix.size()) != std::string::npos)
    return fail(ErrorKind::DecryptionOperation, "the stored payload refers to a blob of another record");
  return key;
}

Result<std::string> store_payload_blob(storage::BlobStore& blobs, const PayloadContext& ctx, std::string_view sealed) {
  const std::string key = record_prefix(ctx) + random_token(12);
  if (auto s = blobs.put(key, sealed); !s) return std::unexpected(s.error());
  std::string ref(kMagic);
  ref += key;
  return ref;
}

std::unique_ptr<PayloadCodec> blob_payloads(PayloadCodec& inner, storage::BlobStore& blobs,
                                            std::size_t inline_max_bytes) {
  return std::make_unique<BlobPayloadCodec>(inner, blobs, inline_max_bytes);
}

namespace {

Status remove_all(storage::BlobStore& blobs, const std::string& prefix) {
  auto keys = blobs.list(prefix);
  if (!keys) return std::unexpected(keys.error());
  for (const auto& k : *keys)
    if (auto s = blobs.remove(k); !s) return s;
  return {};
}

}  // namespace

Status remove_dataset_blobs(storage::BlobStore& blobs, const std::string& tenant_id, const std::string& dataset_id) {
  return remove_all(blobs, "payloads/" + tenant_id + "/" + dataset_id + "/");
}

Status remove_tenant_blobs(storage::BlobStore& blobs, const std::string& tenant_id) {
  return remove_all(blobs, "payloads/" + tenant_id + "/");
}

}  // namespace vault::domain
