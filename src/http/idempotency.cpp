// Idempotency-Key: the first response to a POST with a given key is stored
// (per tenant) and replayed for later requests with the same key and the
// same method, path and body; a different request under a used key is a 422.
#include "api_json.hpp"
#include "api_routes.hpp"
#include "vault/core/ids.hpp"
#include "vault/crypto/aead.hpp"
#include "vault/crypto/envelope.hpp"
#include "vault/crypto/hmac.hpp"
#include "vault/domain/tenant_keyring.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace vault::http {
namespace json = boost::json;

namespace {

// Stored body when encrypted: "E2" | sealed body (aead format; its header
// names the version of the tenant key "_idempotency", which the tenant
// keyring keeps wrapped by the tenant KEK — so KEK rotation rewraps it and
// replays keep working after the old KEK version is retired).
// AAD = tenant | "idempotency" | key. "E1" (a DEK per entry wrapped directly
// by the KEK) is still read.
constexpr std::string_view kSealedMagic = "E2";
constexpr std::string_view kLegacyMagic = "E1";
constexpr const char* kIdempotencyKeyName = "_idempotency";

Result<std::string> seal_body(domain::TenantKeyring& keys, const std::string& tenant, const std::string& key,
                              std::string_view body) {
  if (auto e = keys.ensure(tenant, kIdempotencyKeyName); !e) return std::unexpected(e.error());
  auto dek = keys.current(tenant, kIdempotencyKeyName);
  if (!dek) return std::unexpected(dek.error());
  auto sealed = crypto::seal_record(**dek, {tenant, "idempotency", key}, body);
  if (!sealed) return std::unexpected(sealed.error());
  return std::string(kSealedMagic) + *sealed;
}

Result<std::string> open_body(crypto::Envelope& env, domain::TenantKeyring& keys, const std::string& tenant,
                              const std::string& key, std::string_view stored) {
  if (stored.starts_with(kSealedMagic)) {
    auto sealed = stored.substr(kSealedMagic.size());
    auto header = crypto::parse_header(sealed);
    if (!header) return std::unexpected(header.error());
    auto dek = keys.key(tenant, kIdempotencyKeyName, header->key_version);
    if (!dek) return std::unexpected(dek.error());
    return crypto::open_record(**dek, {tenant, "idempotency", key}, sealed);
  }
  if (!stored.starts_with(kLegacyMagic) || stored.size() < 6)
    return fail(ErrorKind::DecryptionOperation, "stored idempotency response is not sealed");
  std::size_t n = 0;
  for (int i = 0; i < 4; ++i) n = (n << 8) | static_cast<unsigned char>(stored[2 + i]);
  if (stored.size() < 6 + n) return fail(ErrorKind::DecryptionOperation, "stored idempotency response is truncated");
  auto wrapped = crypto::parse_wrapped_key(stored.substr(6, n));
  if (!wrapped) return std::unexpected(wrapped.error());
  auto key_bytes = env.provider().unwrap(tenant, *wrapped);
  if (!key_bytes) return std::unexpected(key_bytes.error());
  crypto::DataKey dek{"idempotency", 1, std::move(*key_bytes)};
  return crypto::open_record(dek, {tenant, "idempotency", key}, stored.substr(6 + n));
}

/// The stored fingerprint of a request. With the tenant keyring it is an
/// HMAC-SHA256 under the tenant key "_idempotency" ("hmac-sha256:v<N>:<hex>"):
/// a bare SHA-256 of a small record body could be brute-forced from a copy
/// of the database, like an unkeyed content hash. Without encryption (no
/// keyring) it stays a bare SHA-256, as it was.
class RequestFingerprint {
 public:
  RequestFingerprint(domain::TenantKeyring* keys, const std::string& tenant, const Request& req)
      : keys_(keys), tenant_(tenant), text_(req.method + "\n" + req.target + "\n" + req.body) {}

  /// The fingerprint to store with a new entry.
  Result<std::string> current() const {
    if (!keys_) return sha256_hex(text_);
    if (auto e = keys_->ensure(tenant_, kIdempotencyKeyName); !e) return std::unexpected(e.error());
    auto k = keys_->current(tenant_, kIdempotencyKeyName);
    if (!k) return std::unexpected(k.error());
    return format((*k)->version, (*k)->key);
  }

  /// Whether `stored` (any format this code ever wrote) is this request's.
  Result<bool> matches(const std::string& stored) const {
    const auto version = crypto::keyed_digest_version(stored);
    if (!version) return stored == sha256_hex(text_);
    if (!keys_) return false;
    auto k = keys_->key(tenant_, kIdempotencyKeyName, *version);
    if (!k) return std::unexpected(k.error());
    auto mine = format(*version, (*k)->key);
    if (!mine) return std::unexpected(mine.error());
    return *mine == stored;
  }

 private:
  Result<std::string> format(std::uint32_t version, crypto::ByteView key) const {
    std::string hex = crypto::hmac_sha256_hex(key, text_);
    if (hex.empty()) return fail(ErrorKind::InternalServer, "HMAC-SHA256 failed");
    return crypto::keyed_digest_label(version, hex);
  }

  domain::TenantKeyring* keys_;
  const std::string& tenant_;
  std::string text_;
};

}  // namespace

Handler idempotent(Handler h, ApiServices& s) {
  return [h = std::move(h), &s](Request& req) -> Response {
    auto key = req.header("idempotency-key");
    if (!key || req.method != "POST") return h(req);
    if (key->empty() || key->size() > 255)
      throw VaultException(Error(ErrorKind::Validation, "Idempotency-Key must be 1-255 characters",
                                 {{"header", "Idempotency-Key"}}));
    const RequestFingerprint fingerprint(s.envelope ? s.tenant_keys : nullptr, req.ctx.tenant_id, req);
    const auto now = now_micros();
    const auto ttl_us = static_cast<std::int64_t>(s.idempotency_ttl.count()) * 1000000;
    auto existing = api::must(s.idempotency.get_idempotency(req.ctx.tenant_id, *key));
    if (existing && existing->created_at + ttl_us > now) {
      if (!api::must(fingerprint.matches(existing->request_hash)))
        throw VaultException(Error(ErrorKind::IdempotencyKeyReuse,
                                   "this Idempotency-Key was used with a different request"));
      Response r;
      r.status = existing->status;
      json::error_code ec;
      auto hv = json::parse(existing->headers_json, ec);
      if (!ec && hv.is_object())
        for (const auto& kv : hv.as_object()) {
          if (kv.key() == "content-type") r.content_type = std::string(kv.value().as_string());
          else r.headers.emplace_back(std::string(kv.key()), std::string(kv.value().as_string()));
        }
      if (s.envelope && s.tenant_keys) {
        r.body = api::must(open_body(*s.envelope, *s.tenant_keys, req.ctx.tenant_id, *key, existing->body));
      } else {
        r.body = std::move(existing->body);
      }
      r.headers.emplace_back("Idempotency-Replayed", "true");
      return r;
    }
    Response r = h(req);
    if (r.status < 500 && !r.stream) {
      json::object hs;
      hs["content-type"] = r.content_type;
      for (const auto& [k, v] : r.headers) hs[k] = v;
      std::string stored = s.envelope && s.tenant_keys
                               ? api::must(seal_body(*s.tenant_keys, req.ctx.tenant_id, *key, r.body))
                               : r.body;
      storage::IdempotencyEntry e{req.ctx.tenant_id, *key, api::must(fingerprint.current()), r.status,
                                  json::serialize(hs), std::move(stored), now};
      api::must(s.idempotency.put_idempotency(e));
    }
    return r;
  };
}

}  // namespace vault::http
