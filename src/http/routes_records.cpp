// /api/v1/datasets/{id}/records...
#include "api_json.hpp"
#include "api_routes.hpp"
#include "http/media_type.hpp"
#include "vault/http/router.hpp"

#include <boost/json/parse.hpp>

namespace vault::http {
namespace json = boost::json;
using namespace api;
using storage::Role;

namespace {

Response record_response(int status, const domain::RecordView& v) {
  Response r;
  r.status = status;
  r.body = record_json(v);
  r.headers.emplace_back("ETag", etag_of(v.revision));
  return r;
}

void require_ndjson(const Request& req) {
  auto ct = req.header("content-type");
  if (!ct || !(media_type_is(*ct, "application/x-ndjson") || media_type_is(*ct, "application/jsonl")))
    throw VaultException(Error(ErrorKind::UnsupportedMediaType,
                               "import accepts Content-Type: application/x-ndjson",
                               {{"content_type", ct ? *ct : std::string()}}));
}

json::object import_report_json(const domain::ImportReport& rep) {
  json::array errors;
  for (const auto& e : rep.errors)
    errors.push_back(json::object{{"line", e.line},
                                  {"code", error_code_string(e.error.kind())},
                                  {"type", e.error.info().type},
                                  {"message", e.error.message()},
                                  {"details", e.error.details()}});
  return {{"imported", rep.imported},
          {"failed", rep.failed},
          {"lines", rep.lines},
          {"errors", std::move(errors)},
          {"errors_truncated", rep.errors_truncated}};
}

/// `view=raw` (default) or `view=anonymized` (the dataset's PII policy applied).
bool anonymized_view(const Request& req) {
  auto v = req.param("view");
  if (!v || *v == "raw") return false;
  if (*v == "anonymized") return true;
  throw VaultException(Error(ErrorKind::Validation, "view must be raw or anonymized", {{"parameter", "view"}}));
}

std::string page_json(const domain::RecordPageView& page) {
  std::string body = "{\"items\":[";
  for (std::size_t i = 0; i < page.items.size(); ++i) {
    if (i) body += ',';
    body += record_json(page.items[i]);
  }
  body += "],\"next_cursor\":";
  body += page.next_cursor ? "\"" + *page.next_cursor + "\"" : std::string("null");
  body += '}';
  return body;
}

}  // namespace

void register_record_routes(Router& r, ApiServices& s) {
  r.add("POST", "/api/v1/datasets/{id}/records", idempotent([&s](Request& req) {
          auto text = json_text_body(req);
          // With an Idempotency-Key the id is derived from it: a second
          // execution (concurrent, or a retry after a crash that lost the
          // stored answer) finds the record and answers the same.
          if (auto key = req.header("idempotency-key"); key && !key->empty()) {
            auto once = must(s.records.create_once(req.ctx.tenant_id, req.path_params.at("id"), text,
                                                   std::string(*key)));
            return record_response(201, once.first);
          }
          return record_response(201, must(s.records.create(req.ctx.tenant_id, req.path_params.at("id"), text)));
        }, s),
        RouteOptions{.min_role = Role::Writer});

  r.add("GET", "/api/v1/datasets/{id}/records", [&s](Request& req) {
          domain::ReadOptions read;
          read.anonymized = anonymized_view(req);
          auto page = must(s.records.list(req.ctx.tenant_id, req.path_params.at("id"), int_param(req, "version"),
                                          req.param("cursor"), limit_param(req), read));
          Response resp;
          resp.body = page_json(page);
          return resp;
        },
        RouteOptions{});

  // The quarantine review queue: records a PII policy held back (admins only).
  r.add("GET", "/api/v1/datasets/{id}/quarantine", [&s](Request& req) {
          domain::ReadOptions read;
          read.anonymized = anonymized_view(req);
          read.filter = storage::RecordFilter::Quarantined;
          auto page = must(s.records.list(req.ctx.tenant_id, req.path_params.at("id"), std::nullopt,
                                          req.param("cursor"), limit_param(req), read));
          Response resp;
          resp.body = page_json(page);
          return resp;
        },
        RouteOptions{.min_role = Role::Admin});

  r.add("POST", "/api/v1/datasets/{id}/records/{rid}:release", [&s](Request& req) {
          return record_response(200, must(s.records.release(req.ctx.tenant_id, req.path_params.at("id"),
                                                             req.path_params.at("rid"), if_match(req))));
        },
        RouteOptions{.min_role = Role::Admin});

  r.add("GET", "/api/v1/datasets/{id}/records/{rid}", [&s](Request& req) {
          domain::ReadOptions read;
          read.anonymized = anonymized_view(req);
          // Admins may look at a quarantined record directly (?include=quarantined).
          if (auto inc = req.param("include"); inc && *inc == "quarantined") {
            if (req.ctx.role != Role::Admin)
              throw VaultException(Error(ErrorKind::Authorization, "reading quarantined records requires the admin role"));
            read.filter = storage::RecordFilter::All;
          }
          return record_response(200, must(s.records.get(req.ctx.tenant_id, req.path_params.at("id"),
                                                         req.path_params.at("rid"), int_param(req, "version"), read)));
        },
        RouteOptions{});

  r.add("PUT", "/api/v1/datasets/{id}/records/{rid}", [&s](Request& req) {
          auto text = json_text_body(req);
          auto [view, created] = must(s.records.put(req.ctx.tenant_id, req.path_params.at("id"),
                                                    req.path_params.at("rid"), text, if_match(req)));
          return record_response(created ? 201 : 200, view);
        },
        RouteOptions{.min_role = Role::Writer});

  r.add("DELETE", "/api/v1/datasets/{id}/records/{rid}", [&s](Request& req) {
          must(s.records.remove(req.ctx.tenant_id, req.path_params.at("id"), req.path_params.at("rid"), if_match(req)));
          return Response::empty(204);
        },
        RouteOptions{.min_role = Role::Writer});

  r.add("POST", "/api/v1/datasets/{id}/records:batch", idempotent([&s](Request& req) {
          auto body = json_object_body(req);
          auto it = body.find("records");
          if (it == body.end() || !it->value().is_array())
            throw VaultException(Error(ErrorKind::MissingParameter, "records must be an array of objects",
                                       {{"field", "records"}}));
          auto ids = must(s.records.batch(req.ctx.tenant_id, req.path_params.at("id"), it->value().as_array()));
          json::array arr;
          arr.reserve(ids.size());
          for (auto& id : ids) arr.emplace_back(id);
          return Response::json(201, json::object{{"ids", std::move(arr)}, {"count", ids.size()}});
        }, s),
        RouteOptions{.min_role = Role::Writer});

  r.add("POST", "/api/v1/datasets/{id}/records:import", [&s](Request& req) {
          require_ndjson(req);
          // stream_request routes always get body_stream (constant memory).
          std::function<std::optional<std::string_view>()> pull = [&req] { return req.body_stream->read(); };
          auto rep = must(s.records.import(req.ctx.tenant_id, req.path_params.at("id"), pull));
          return Response::json(200, import_report_json(rep));
        },
        RouteOptions{.min_role = Role::Writer, .stream_request = true});

  r.add("GET", "/api/v1/datasets/{id}/records:export", [&s](Request& req) {
          auto plan = must(s.records.plan_export(req.ctx.tenant_id, req.path_params.at("id"), int_param(req, "version"),
                                                 anonymized_view(req)));
          Response resp;
          resp.content_type = "application/x-ndjson";
          resp.stream = [&s, plan = std::move(plan)](BodySink& sink) {
            must(s.records.run_export(plan, [&sink](std::string_view chunk) { sink.write(chunk); }));
          };
          return resp;
        },
        RouteOptions{});
}

}  // namespace vault::http
