#include "vault/domain/idempotency_service.hpp"

#include "vault/core/ids.hpp"
#include "vault/crypto/aead.hpp"
#include "vault/crypto/envelope.hpp"
#include "vault/crypto/hmac.hpp"
#include "vault/crypto/key_provider.hpp"
#include "vault/domain/tenant_keyring.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace vault::domain {
namespace json = boost::json;

namespace {

// Stored body when encrypted: "E2" | sealed body (aead format; its header
// names the version of the tenant key "_idempotency"). "E1" | wrapped DEK
// length (u32 BE) | wrapped DEK | sealed body is the legacy format.
constexpr std::string_view kSealedMagic = "E2";
constexpr std::string_view kLegacyMagic = "E1";
constexpr const char* kKeyName = "_idempotency";

/// "hmac-sha256:v<N>:<hex>" of the request under version N of the tenant key.
Result<std::string> keyed_fingerprint(const crypto::DataKey& key, const std::string& request) {
  std::string hex = crypto::hmac_sha256_hex(key.key, request);
  if (hex.empty()) return fail(ErrorKind::InternalServer, "HMAC-SHA256 failed");
  return crypto::keyed_digest_label(key.version, hex);
}

}  // namespace

IdempotencyService::IdempotencyService(storage::IdempotencyStore& store, TenantKeyring* keys,
                                       crypto::KeyProvider* provider, std::chrono::seconds ttl, const Clock& clock)
    : store_(store), keys_(keys), provider_(provider), ttl_(ttl), clock_(clock) {}

Result<std::string> IdempotencyService::seal_body(const std::string& tenant_id, const std::string& key,
                                                  std::string_view body) {
  if (auto e = keys_->ensure(tenant_id, kKeyName); !e) return std::unexpected(e.error());
  auto dek = keys_->current(tenant_id, kKeyName);
  if (!dek) return std::unexpected(dek.error());
  auto sealed = crypto::seal_record(**dek, {tenant_id, "idempotency", key}, body);
  if (!sealed) return std::unexpected(sealed.error());
  return std::string(kSealedMagic) + *sealed;
}

Result<std::string> IdempotencyService::open_body(const std::string& tenant_id, const std::string& key,
                                                  std::string_view stored) {
  if (stored.starts_with(kSealedMagic)) {
    auto sealed = stored.substr(kSealedMagic.size());
    auto header = crypto::parse_header(sealed);
    if (!header) return std::unexpected(header.error());
    auto dek = keys_->key(tenant_id, kKeyName, header->key_version);
    if (!dek) return std::unexpected(dek.error());
    return crypto::open_record(**dek, {tenant_id, "idempotency", key}, sealed);
  }
  if (!stored.starts_with(kLegacyMagic) || stored.size() < 6 || !provider_)
    return fail(ErrorKind::DecryptionOperation, "stored idempotency response is not sealed");
  std::size_t n = 0;
  for (int i = 0; i < 4; ++i) n = (n << 8) | static_cast<unsigned char>(stored[2 + i]);
  if (stored.size() < 6 + n) return fail(ErrorKind::DecryptionOperation, "stored idempotency response is truncated");
  auto wrapped = crypto::parse_wrapped_key(stored.substr(6, n));
  if (!wrapped) return std::unexpected(wrapped.error());
  auto key_bytes = provider_->unwrap(tenant_id, *wrapped);
  if (!key_bytes) return std::unexpected(key_bytes.error());
  crypto::DataKey dek{"idempotency", 1, std::move(*key_bytes)};
  return crypto::open_record(dek, {tenant_id, "idempotency", key}, stored.substr(6 + n));
}

Result<std::string> IdempotencyService::fingerprint(const std::string& tenant_id, const std::string& request) {
  if (!keys_) return sha256_hex(request);
  if (auto e = keys_->ensure(tenant_id, kKeyName); !e) return std::unexpected(e.error());
  auto k = keys_->current(tenant_id, kKeyName);
  if (!k) return std::unexpected(k.error());
  return keyed_fingerprint(**k, request);
}

Result<bool> IdempotencyService::fingerprint_matches(const std::string& tenant_id, const std::string& request,
                                                     const std::string& stored) {
  const auto version = crypto::keyed_digest_version(stored);
  if (!version) return stored == sha256_hex(request);
  if (!keys_) return false;
  auto k = keys_->key(tenant_id, kKeyName, *version);
  if (!k) return std::unexpected(k.error());
  auto mine = keyed_fingerprint(**k, request);
  if (!mine) return std::unexpected(mine.error());
  return *mine == stored;
}

Result<std::optional<StoredAnswer>> IdempotencyService::replay(const std::string& tenant_id,
                                                               const std::string& key,
                                                               const std::string& request) {
  auto existing = store_.get_idempotency(tenant_id, key);
  if (!existing) return std::unexpected(existing.error());
  const auto ttl_us = static_cast<std::int64_t>(ttl_.count()) * 1000000;
  if (!*existing || (*existing)->created_at + ttl_us <= clock_.unix_micros()) return std::nullopt;
  const storage::IdempotencyEntry& e = **existing;
  auto same = fingerprint_matches(tenant_id, request, e.request_hash);
  if (!same) return std::unexpected(same.error());
  if (!*same) return fail(ErrorKind::IdempotencyKeyReuse, "this Idempotency-Key was used with a different request");
  StoredAnswer a;
  a.status = e.status;
  json::error_code ec;
  auto hv = json::parse(e.headers_json, ec);
  if (!ec && hv.is_object())
    for (const auto& kv : hv.as_object()) {
      if (!kv.value().is_string()) continue;
      if (kv.key() == "content-type") a.content_type = std::string(kv.value().as_string());
      else a.headers.emplace_back(std::string(kv.key()), std::string(kv.value().as_string()));
    }
  if (keys_) {
    auto body = open_body(tenant_id, key, e.body);
    if (!body) return std::unexpected(body.error());
    a.body = std::move(*body);
  } else {
    a.body = e.body;
  }
  return std::optional<StoredAnswer>(std::move(a));
}

Status IdempotencyService::remember(const std::string& tenant_id, const std::string& key,
                                    const std::string& request, const StoredAnswer& answer) {
  json::object hs;
  hs["content-type"] = answer.content_type;
  for (const auto& [k, v] : answer.headers) hs[k] = v;
  std::string stored;
  if (keys_) {
    auto sealed = seal_body(tenant_id, key, answer.body);
    if (!sealed) return std::unexpected(sealed.error());
    stored = std::move(*sealed);
  } else {
    stored = answer.body;
  }
  auto fp = fingerprint(tenant_id, request);
  if (!fp) return std::unexpected(fp.error());
  storage::IdempotencyEntry e{tenant_id, key, std::move(*fp), answer.status, json::serialize(hs), std::move(stored),
                              clock_.unix_micros()};
  auto put = store_.put_idempotency(e);
  if (!put) return std::unexpected(put.error());
  return {};
}

Result<std::int64_t> IdempotencyService::purge_expired() {
  // Expired = created_at + ttl <= now, as replay() decides; the store
  // deletes created_at < before.
  return store_.purge_idempotency(clock_.unix_micros() - static_cast<std::int64_t>(ttl_.count()) * 1000000 + 1);
}

}  // namespace vault::domain
