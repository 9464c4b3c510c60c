#include "http/builtin_routes.hpp"

#include <boost/json/object.hpp>

namespace vault::http {

void add_builtin_routes(Router& router, obs::HealthRegistry& health, metrics::Registry& metrics) {
  RouteOptions open;
  open.authenticated = false;
  router.add(
      "GET", "/health/live",
      [&health](Request&) { return Response::json(200, health.liveness().to_json()); }, open);
  router.add(
      "GET", std::string(kReadyPath),
      [&health](Request&) {
        auto report = health.check_all();
        return Response::json(report.http_status(), report.to_json());
      },
      open);
  router.add(
      "GET", "/health/startup",
      [&health](Request&) {
        auto report = health.startup();
        return Response::json(report.http_status(), report.to_json());
      },
      open);
  router.add(
      "GET", std::string(kMetricsPath),
      [&metrics](Request&) {
        Response r;
        r.content_type = metrics::kExpositionContentType;
        r.body = metrics.render();
        return r;
      },
      open);
}

}  // namespace vault::http
