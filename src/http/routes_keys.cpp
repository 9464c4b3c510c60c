// /api/v1/keys (KEK state, rotation jobs) and /api/v1/datasets/{id}/keys:rotate
#include "api_json.hpp"
#include "api_routes.hpp"
#include "vault/core/ids.hpp"
#include "vault/http/router.hpp"

namespace vault::http {
namespace json = boost::json;
using namespace api;
using storage::Role;

namespace {

json::object job_json(const storage::KeyJob& j) {
  json::object o;
  o["id"] = j.id;
  o["type"] = storage::key_job_type_name(j.type);
  o["state"] = storage::key_job_state_name(j.state);
  o["tenant_id"] = j.tenant_id;
  o["dataset_id"] = j.dataset_id.empty() ? json::value(nullptr) : json::value(j.dataset_id);
  o["total"] = j.total;
  o["done"] = j.done;
  o["progress"] = j.total > 0 ? std::min(1.0, static_cast<double>(j.done) / static_cast<double>(j.total))
                              : (j.state == storage::KeyJobState::Succeeded ? 1.0 : 0.0);
  o["from_version"] = j.from_version;
  o["to_version"] = j.to_version;
  o["error"] = j.error.empty() ? json::value(nullptr) : json::value(j.error);
  o["created_at"] = format_rfc3339(j.created_at);
  o["updated_at"] = format_rfc3339(j.updated_at);
  return o;
}

domain::KeyRotationService& rotation(ApiServices& s) {
  if (!s.rotation)
    throw VaultException(Error(ErrorKind::NotImplemented, "key rotation needs encryption at rest (encryption.enabled)"));
  return *s.rotation;
}

/// The tenant a key route acts on: the caller's, or (platform admin only)
/// the one named by `requested`.
std::string target_tenant(const Request& req, const std::optional<std::string>& requested) {
  if (!requested || *requested == req.ctx.tenant_id) return req.ctx.tenant_id;
  if (!req.ctx.platform_admin)
    throw VaultException(Error(ErrorKind::Authorization, "only the platform admin acts on other tenants' keys",
                               {{"field", "tenant_id"}}));
  return *requested;
}

Response accepted(const storage::KeyJob& j) {
  return Response::json(202, job_json(j)).with_header("Location", "/api/v1/keys/jobs/" + j.id);
}

}  // namespace

void register_key_routes(Router& r, ApiServices& s) {
  r.add("POST", "/api/v1/keys/kek:rotate", [&s](Request& req) {
          std::optional<std::string> requested;
          if (!req.body.empty()) requested = string_field(json_object_body(req), "tenant_id");
          const std::string tenant = target_tenant(req, requested);
          return accepted(must(rotation(s).start_kek_rotation(tenant)));
        },
        RouteOptions{.min_role = Role::Admin});

  r.add("POST", "/api/v1/datasets/{id}/keys:rotate", [&s](Request& req) {
          auto& svc = rotation(s);
          auto d = must(s.datasets.get(req.ctx.tenant_id, req.path_params.at("id")));
          return accepted(must(svc.start_dek_rotation(req.ctx.tenant_id, d.id)));
        },
        RouteOptions{.min_role = Role::Admin});

  r.add("GET", "/api/v1/keys", [&s](Request& req) {
          auto& svc = rotation(s);
          const std::string tenant = target_tenant(req, req.param("tenant_id"));
          must(s.auth.get_tenant(tenant));
          auto& kp = svc.envelope().provider();
          json::object kek;
          kek["provider"] = std::string(kp.kind());
          auto versions = kp.versions(tenant);
          json::array vs;
          if (versions)
            for (auto v : *versions) vs.push_back(v);
          kek["versions"] = std::move(vs);
          auto current = kp.current_version(tenant);
          kek["current_version"] = current ? json::value(*current) : json::value(nullptr);
          json::array jobs;
          for (const auto& j : must(svc.jobs(tenant, 10))) jobs.push_back(job_json(j));
          return Response::json(200, json::object{{"tenant_id", tenant}, {"kek", std::move(kek)}, {"jobs", std::move(jobs)}});
        },
        RouteOptions{.min_role = Role::Admin});

  r.add("GET", "/api/v1/keys/jobs/{id}", [&s](Request& req) {
          auto& svc = rotation(s);
          const std::string tenant = target_tenant(req, req.param("tenant_id"));
          return Response::json(200, job_json(must(svc.job(tenant, req.path_params.at("id")))));
        },
        RouteOptions{.min_role = Role::Admin});
}

}  // namespace vault::http
