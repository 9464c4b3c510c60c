// Idempotency-Key on POST routes: the HTTP side of domain::IdempotencyService
// (which stores, seals and replays the answers).
#include "api_json.hpp"
#include "api_routes.hpp"
#include "vault/domain/idempotency_service.hpp"

namespace vault::http {

Handler idempotent(Handler h, ApiServices& s) {
  return [h = std::move(h), &s](Request& req) -> Response {
    auto key = req.header("idempotency-key");
    if (!key || req.method != "POST") return h(req);
    if (key->empty() || key->size() > 255)
      throw VaultException(Error(ErrorKind::Validation, "Idempotency-Key must be 1-255 characters",
                                 {{"header", "Idempotency-Key"}}));
    const std::string tenant = req.ctx.tenant_id;
    const std::string id(*key);
    const std::string request = req.method + "\n" + req.target + "\n" + req.body;
    if (auto stored = api::must(s.idempotency.replay(tenant, id, request))) {
      Response r;
      r.status = stored->status;
      r.content_type = std::move(stored->content_type);
      r.headers = std::move(stored->headers);
      r.body = std::move(stored->body);
      r.headers.emplace_back("Idempotency-Replayed", "true");
      return r;
    }
    Response r = h(req);
    if (r.status < 500 && !r.stream)
      api::must(s.idempotency.remember(tenant, id, request, domain::StoredAnswer{r.status, r.content_type, r.headers, r.body}));
    return r;
  };
}

}  // namespace vault::http
