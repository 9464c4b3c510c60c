// /api/v1/admin: chaos faults on the dependencies, the operating mode, SLOs.
// Platform admin only; both always pass the read-only write gate (they are
// how an operator gets out of it).
#include "api_json.hpp"
#include "api_routes.hpp"
#include "vault/http/router.hpp"

namespace vault::http {
namespace json = boost::json;
using namespace api;

namespace {

constexpr RouteOptions kAdmin{.admin_only = true, .read_only_safe = true};

resilience::FaultInjector& faults_of(ApiServices& s) {
  if (!s.faults) throw VaultException(Error(ErrorKind::NotImplemented, "fault injection is not offered here"));
  return *s.faults;
}

domain::OperatingMode& mode_of(ApiServices& s) {
  if (!s.mode) throw VaultException(Error(ErrorKind::NotImplemented, "operating modes are not offered here"));
  return *s.mode;
}

json::object faults_json(resilience::FaultInjector& f) {
  json::array list;
  for (const auto& fault : f.list()) list.push_back(resilience::fault_json(fault));
  return {{"enabled", f.enabled()}, {"faults", std::move(list)}};
}

json::object mode_json(const domain::OperatingMode& m) {
  return {{"read_only", m.read_only()}, {"degraded", m.degraded()}, {"writes_refused", m.writes_refused()}};
}

bool bool_field(const json::object& body, std::string_view name, bool current) {
  const auto* v = body.if_contains(name);
  if (!v) return current;
  if (!v->is_bool())
    throw VaultException(Error(ErrorKind::Validation, std::string(name) + " must be true or false",
                               {{"field", name}}));
  return v->as_bool();
}

}  // namespace

void register_admin_routes(Router& r, ApiServices& s) {
  r.add("GET", "/api/v1/admin/faults", [&s](Request&) { return Response::json(200, faults_json(faults_of(s))); },
        kAdmin);

  // {"dependency": "metadata_store"|"blob_store"|"key_provider"|"cache",
  //  "kind": "error"|"latency"|"hang", "latency_ms": N, "percent": 0-100}
  r.add("POST", "/api/v1/admin/faults", [&s](Request& req) {
          auto& f = faults_of(s);
          if (!f.enabled())
            throw VaultException(Error(ErrorKind::Authorization,
                                       "fault injection is disabled on this server (faults.enabled / "
                                       "VAULT_FAULT_INJECTION)"));
          auto fault = must(resilience::parse_fault(json_object_body(req)));
          if (fault.dependency == "cache")
            throw VaultException(Error(ErrorKind::Validation,
                                       "this deployment has no cache dependency to inject faults into",
                                       {{"field", "dependency"}}));
          must(f.set(fault));
          return Response::json(201, resilience::fault_json(fault));
        },
        kAdmin);

  r.add("DELETE", "/api/v1/admin/faults", [&s](Request&) {
          faults_of(s).clear();
          return Response::empty(204);
        },
        kAdmin);

  // The SLO compliance matrix of spec 11.2 (30-day budgets, burn rates).
  r.add("GET", "/api/v1/admin/slo", [&s](Request&) {
          if (!s.slo) throw VaultException(Error(ErrorKind::NotImplemented, "SLOs are not measured here"));
          return Response::json(200, s.slo->report());
        },
        kAdmin);

  r.add("GET", "/api/v1/admin/mode", [&s](Request&) { return Response::json(200, mode_json(mode_of(s))); },
        kAdmin);

  // {"read_only": bool, "degraded": bool}; omitted fields keep their value.
  r.add("PUT", "/api/v1/admin/mode", [&s](Request& req) {
          auto& m = mode_of(s);
          auto body = json_object_body(req);
          for (const auto& kv : body)
            if (kv.key() != "read_only" && kv.key() != "degraded")
              throw VaultException(Error(ErrorKind::Validation, "unknown field " + std::string(kv.key()),
                                         {{"field", kv.key()}}));
          m.set(bool_field(body, "read_only", m.read_only()), bool_field(body, "degraded", m.degraded()));
          return Response::json(200, mode_json(m));
        },
        kAdmin);
}

}  // namespace vault::http
