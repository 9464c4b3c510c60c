// /api/v1/datasets/{id}/versions
#include "api_json.hpp"
#include "api_routes.hpp"
#include "vault/http/router.hpp"

#include <charconv>

namespace vault::http {
namespace json = boost::json;
using namespace api;
using storage::Role;

void register_version_routes(Router& r, ApiServices& s) {
  r.add("POST", "/api/v1/datasets/{id}/versions", idempotent([&s](Request& req) {
          std::string message;
          if (!req.body.empty()) message = string_field(json_object_body(req), "message").value_or("");
          auto v = must(s.versions.create(req.ctx.tenant_id, req.path_params.at("id"), message, req.ctx.api_key_id));
          return Response::json(201, to_json(v));
        }, s),
        RouteOptions{.min_role = Role::Writer});

  r.add("GET", "/api/v1/datasets/{id}/versions", [&s](Request& req) {
          json::array items;
          for (const auto& v : must(s.versions.list(req.ctx.tenant_id, req.path_params.at("id"))))
            items.push_back(to_json(v));
          return page_response(std::move(items), std::nullopt);
        },
        RouteOptions{});

  r.add("GET", "/api/v1/datasets/{id}/versions/{n}", [&s](Request& req) {
          const auto& n = req.path_params.at("n");
          std::int64_t number = 0;
          auto [p, ec] = std::from_chars(n.data(), n.data() + n.size(), number);
          if (ec != std::errc{} || p != n.data() + n.size() || number < 1)
            throw VaultException(Error(ErrorKind::VersionNotFound, "version not found", {{"version", n}}));
          return Response::json(200, to_json(must(s.versions.get(req.ctx.tenant_id, req.path_params.at("id"), number))));
        },
        RouteOptions{.run_inline = true});
}

void register_api_routes(Router& router, ApiServices& services) {
  register_tenant_routes(router, services);
  register_dataset_routes(router, services);
  register_record_routes(router, services);
  register_version_routes(router, services);
  register_pii_routes(router, services);
  register_key_routes(router, services);
  register_transit_routes(router, services);
  register_admin_routes(router, services);
}

}  // namespace vault::http
