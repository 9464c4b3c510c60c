// /api/v1/tenants and /api/v1/api-keys
#include "api_json.hpp"
#include "api_routes.hpp"
#include "vault/domain/blob_payload_codec.hpp"
#include "vault/http/router.hpp"

namespace vault::http {
namespace json = boost::json;
using namespace api;
using storage::Role;

void register_tenant_routes(Router& r, ApiServices& s) {
  r.add("POST", "/api/v1/tenants", idempotent([&s](Request& req) {
          auto body = json_object_body(req);
          auto name = string_field(body, "name");
          if (!name) throw VaultException(Error(ErrorKind::MissingParameter, "name is required", {{"field", "name"}}));
          auto t = must(s.auth.create_tenant(*name));
          return Response::json(201, to_json(t));
        }, s),
        RouteOptions{.min_role = Role::Admin, .admin_only = true});

  r.add("GET", "/api/v1/tenants", [&s](Request&) {
          json::array items;
          for (const auto& t : must(s.auth.list_tenants())) items.push_back(to_json(t));
          return page_response(std::move(items), std::nullopt);
        },
        RouteOptions{.min_role = Role::Admin, .admin_only = true});

  r.add("GET", "/api/v1/tenants/{id}", [&s](Request& req) {
          const auto& id = req.path_params.at("id");
          if (!req.ctx.platform_admin && id != req.ctx.tenant_id)
            throw VaultException(Error(ErrorKind::TenantNotFound, "tenant not found", {{"tenant_id", id}}));
          return Response::json(200, to_json(must(s.auth.get_tenant(id))));
        },
        RouteOptions{});

  r.add("DELETE", "/api/v1/tenants/{id}", [&s](Request& req) {
          if (!s.purger) throw VaultException(Error(ErrorKind::NotImplemented, "tenant purge is not available"));
          must(s.purger->purge(req.path_params.at("id"), req.ctx.tenant_id));
          // Its payload blobs are unreadable now (its KEK is destroyed): free the space.
          if (s.blobs) (void)domain::remove_tenant_blobs(*s.blobs, req.path_params.at("id"));
          return Response::empty(204);
        },
        RouteOptions{.min_role = Role::Admin, .admin_only = true});

  r.add("POST", "/api/v1/api-keys", idempotent([&s](Request& req) {
          auto body = json_object_body(req);
          auto name = string_field(body, "name");
          if (!name) throw VaultException(Error(ErrorKind::MissingParameter, "name is required", {{"field", "name"}}));
          auto role_s = string_field(body, "role").value_or("reader");
          auto role = storage::parse_role(role_s);
          if (!role)
            throw VaultException(Error(ErrorKind::Validation, "role must be reader, writer or admin", {{"field", "role"}}));
          std::string tenant = req.ctx.tenant_id;
          if (auto t = string_field(body, "tenant_id"); t && *t != tenant) {
            if (!req.ctx.platform_admin)
              throw VaultException(Error(ErrorKind::Authorization,
                                         "only the platform admin creates keys for other tenants"));
            tenant = *t;
          }
          std::vector<std::string> permissions;
          if (auto it = body.find("permissions"); it != body.end()) {
            if (!it->value().is_array())
              throw VaultException(Error(ErrorKind::Validation, "permissions must be an array of strings",
                                         {{"field", "permissions"}}));
            for (const auto& p : it->value().as_array()) {
              if (!p.is_string())
                throw VaultException(Error(ErrorKind::Validation, "permissions must be an array of strings",
                                           {{"field", "permissions"}}));
              permissions.emplace_back(p.as_string());
            }
          }
          // Detokenizing reveals raw PII: a tenant admin cannot grant it,
          // not even to itself; only the platform admin can.
          if (!permissions.empty() && !req.ctx.platform_admin)
            throw VaultException(Error(ErrorKind::Authorization,
                                       "only the platform admin grants permissions to API keys",
                                       {{"field", "permissions"}}));
          auto created = must(s.auth.create_key(tenant, *name, *role, std::move(permissions)));
          auto o = to_json(created.key);
          o["key"] = created.secret;
          return Response::json(201, o);
        }, s),
        RouteOptions{.min_role = Role::Admin});

  r.add("GET", "/api/v1/api-keys", [&s](Request& req) {
          json::array items;
          for (const auto& k : must(s.auth.list_keys(req.ctx.tenant_id))) items.push_back(to_json(k));
          return page_response(std::move(items), std::nullopt);
        },
        RouteOptions{.min_role = Role::Admin});

  r.add("DELETE", "/api/v1/api-keys/{id}", [&s](Request& req) {
          must(s.auth.revoke_key(req.ctx.tenant_id, req.path_params.at("id")));
          return Response::empty(204);
        },
        RouteOptions{.min_role = Role::Admin});
}

}  // namespace vault::http
