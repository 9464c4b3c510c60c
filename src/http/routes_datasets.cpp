// /api/v1/datasets
#include "api_json.hpp"
#include "api_routes.hpp"
#include "vault/domain/blob_payload_codec.hpp"
#include "vault/http/router.hpp"

namespace vault::http {
namespace json = boost::json;
using namespace api;
using storage::Role;

namespace {

std::vector<std::string> tags_field(const json::object& body) {
  std::vector<std::string> tags;
  auto it = body.find("tags");
  if (it == body.end() || it->value().is_null()) return tags;
  if (!it->value().is_array())
    throw VaultException(Error(ErrorKind::Validation, "tags must be an array of strings", {{"field", "tags"}}));
  for (const auto& t : it->value().as_array()) {
    if (!t.is_string())
      throw VaultException(Error(ErrorKind::Validation, "tags must be an array of strings", {{"field", "tags"}}));
    tags.emplace_back(t.as_string());
  }
  return tags;
}

Response dataset_response(int status, const storage::Dataset& d) {
  return Response::json(status, to_json(d)).with_header("ETag", etag_of(d.etag));
}

/// A dataset's PII policy decides what reaches storage: only admins set it.
void require_policy_admin(const Request& req) {
  if (req.ctx.role != Role::Admin)
    throw VaultException(Error(ErrorKind::Authorization, "setting pii_policy requires the admin role",
                               {{"field", "pii_policy"}}));
}

}  // namespace

void register_dataset_routes(Router& r, ApiServices& s) {
  r.add("POST", "/api/v1/datasets", idempotent([&s](Request& req) {
          auto body = json_object_body(req);
          domain::NewDataset in;
          auto name = string_field(body, "name");
          if (!name) throw VaultException(Error(ErrorKind::MissingParameter, "name is required", {{"field", "name"}}));
          in.name = *name;
          in.description = string_field(body, "description").value_or("");
          in.tags = tags_field(body);
          if (auto it = body.find("schema"); it != body.end() && !it->value().is_null()) in.schema = it->value();
          if (auto it = body.find("pii_policy"); it != body.end() && !it->value().is_null()) {
            require_policy_admin(req);
            in.pii_policy = it->value();
          }
          return dataset_response(201, must(s.datasets.create(req.ctx.tenant_id, in)));
        }, s),
        RouteOptions{.min_role = Role::Writer});

  r.add("GET", "/api/v1/datasets", [&s](Request& req) {
          domain::DatasetListQuery q;
          q.limit = limit_param(req);
          q.cursor = req.param("cursor");
          q.tag = req.param("tag");
          q.status = req.param("status");
          q.name_prefix = req.param("name_prefix");
          if (q.status && *q.status != "active" && *q.status != "archived")
            throw VaultException(Error(ErrorKind::Validation, "status must be active or archived", {{"parameter", "status"}}));
          auto page = must(s.datasets.list(req.ctx.tenant_id, q));
          json::array items;
          for (const auto& d : page.items) items.push_back(to_json(d));
          return page_response(std::move(items), page.next_cursor);
        },
        RouteOptions{});

  r.add("GET", "/api/v1/datasets/{id}", [&s](Request& req) {
          return dataset_response(200, must(s.datasets.get(req.ctx.tenant_id, req.path_params.at("id"))));
        },
        RouteOptions{.run_inline = true});

  r.add("PATCH", "/api/v1/datasets/{id}", [&s](Request& req) {
          auto body = json_object_body(req);
          domain::DatasetUpdate in;
          in.name = string_field(body, "name");
          in.description = string_field(body, "description");
          if (body.contains("tags")) in.tags = tags_field(body);
          if (auto it = body.find("schema"); it != body.end())
            in.schema = it->value().is_null() ? std::optional<json::value>() : std::optional<json::value>(it->value());
          if (auto it = body.find("pii_policy"); it != body.end()) {
            require_policy_admin(req);
            in.pii_policy =
                it->value().is_null() ? std::optional<json::value>() : std::optional<json::value>(it->value());
          }
          for (const auto& kv : body) {
            auto k = kv.key();
            if (k != "name" && k != "description" && k != "tags" && k != "schema" && k != "pii_policy")
              throw VaultException(Error(ErrorKind::Validation, "field cannot be updated: " + std::string(k),
                                         {{"field", std::string(k)}}));
          }
          return dataset_response(
              200, must(s.datasets.update(req.ctx.tenant_id, req.path_params.at("id"), in, if_match(req))));
        },
        RouteOptions{.min_role = Role::Writer});

  r.add("POST", "/api/v1/datasets/{id}:archive", [&s](Request& req) {
          return dataset_response(200, must(s.datasets.set_status(req.ctx.tenant_id, req.path_params.at("id"), "archived")));
        },
        RouteOptions{.min_role = Role::Writer});

  r.add("POST", "/api/v1/datasets/{id}:restore", [&s](Request& req) {
          return dataset_response(200, must(s.datasets.set_status(req.ctx.tenant_id, req.path_params.at("id"), "active")));
        },
        RouteOptions{.min_role = Role::Writer});

  // Deleting crypto-shreds every version of the dataset: admins only.
  r.add("DELETE", "/api/v1/datasets/{id}", [&s](Request& req) {
          must(s.datasets.remove(req.ctx.tenant_id, req.path_params.at("id")));
          if (s.blobs) (void)domain::remove_dataset_blobs(*s.blobs, req.ctx.tenant_id, req.path_params.at("id"));
          return Response::empty(204);
        },
        RouteOptions{.min_role = Role::Admin});

  r.add("GET", "/api/v1/datasets/{id}/stats", [&s](Request& req) {
          auto d = must(s.datasets.get(req.ctx.tenant_id, req.path_params.at("id")));
          return Response::json(200, json::object{{"dataset_id", d.id},
                                                  {"records", d.record_count},
                                                  {"bytes", d.record_bytes},
                                                  {"versions", d.version_count},
                                                  {"seq", d.seq}});
        },
        RouteOptions{.run_inline = true});
}

}  // namespace vault::http
