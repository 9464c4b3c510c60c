// Idempotency-Key: the first response to a POST with a given key is stored
// (per tenant) and replayed for later requests with the same key and the
// same method, path and body; a different request under a used key is a 422.
#include "api_json.hpp"
#include "api_routes.hpp"
#include "vault/core/ids.hpp"
#include "vault/crypto/aead.hpp"
#include "vault/crypto/envelope.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace vault::http {
namespace json = boost::json;

namespace {

// Stored body when encrypted: "E1" | u32 BE length of the wrapped DEK |
// wrapped DEK | sealed body. AAD = tenant | "idempotency" | key.
constexpr std::string_view kSealedMagic = "E1";

Result<std::string> seal_body(crypto::Envelope& env, const std::string& tenant, const std::string& key,
                              std::string_view body) {
  if (auto s = env.provider().ensure_kek(tenant); !s) return std::unexpected(s.error());
  crypto::DataKey dek{"idempotency", 1, crypto::generate_dek()};
  auto wrapped = env.provider().wrap(tenant, dek.key.span());
  if (!wrapped) return std::unexpected(wrapped.error());
  auto sealed = crypto::seal_record(dek, {tenant, "idempotency", key}, body);
  if (!sealed) return std::unexpected(sealed.error());
  const std::string w = crypto::serialize_wrapped_key(*wrapped);
  std::string out(kSealedMagic);
  for (int i = 3; i >= 0; --i) out += static_cast<char>((w.size() >> (8 * i)) & 0xFF);
  out += w;
  out += *sealed;
  return out;
}

Result<std::string> open_body(crypto::Envelope& env, const std::string& tenant, const std::string& key,
                              std::string_view stored) {
  if (!stored.starts_with(kSealedMagic) || stored.size() < 6)
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

}  // namespace

Handler idempotent(Handler h, ApiServices& s) {
  return [h = std::move(h), &s](Request& req) -> Response {
    auto key = req.header("idempotency-key");
    if (!key || req.method != "POST") return h(req);
    if (key->empty() || key->size() > 255)
      throw VaultException(Error(ErrorKind::Validation, "Idempotency-Key must be 1-255 characters",
                                 {{"header", "Idempotency-Key"}}));
    const std::string request_hash = sha256_hex(req.method + "\n" + req.target + "\n" + req.body);
    const auto now = now_micros();
    const auto ttl_us = static_cast<std::int64_t>(s.idempotency_ttl.count()) * 1000000;
    auto existing = api::must(s.store.get_idempotency(req.ctx.tenant_id, *key));
    if (existing && existing->created_at + ttl_us > now) {
      if (existing->request_hash != request_hash)
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
      if (s.envelope) {
        r.body = api::must(open_body(*s.envelope, req.ctx.tenant_id, *key, existing->body));
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
      std::string stored = s.envelope ? api::must(seal_body(*s.envelope, req.ctx.tenant_id, *key, r.body)) : r.body;
      storage::IdempotencyEntry e{req.ctx.tenant_id, *key, request_hash, r.status,
                                  json::serialize(hs), std::move(stored), now};
      api::must(s.store.put_idempotency(e));
    }
    return r;
  };
}

}  // namespace vault::http
