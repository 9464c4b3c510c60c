// Idempotency-Key: the first response to a POST with a given key is stored
// (per tenant) and replayed for later requests with the same key and the
// same method, path and body; a different request under a used key is a 422.
#include "api_json.hpp"
#include "api_routes.hpp"
#include "vault/core/ids.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace vault::http {
namespace json = boost::json;

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
      r.body = std::move(existing->body);
      r.headers.emplace_back("Idempotency-Replayed", "true");
      return r;
    }
    Response r = h(req);
    if (r.status < 500 && !r.stream) {
      json::object hs;
      hs["content-type"] = r.content_type;
      for (const auto& [k, v] : r.headers) hs[k] = v;
      storage::IdempotencyEntry e{req.ctx.tenant_id, *key, request_hash, r.status,
                                  json::serialize(hs), r.body, now};
      api::must(s.store.put_idempotency(e));
    }
    return r;
  };
}

}  // namespace vault::http
