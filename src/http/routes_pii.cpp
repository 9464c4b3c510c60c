// /api/v1/pii: detect, anonymize, detokenize, entities.
#include "api_json.hpp"
#include "api_routes.hpp"
#include "vault/http/router.hpp"

#include <boost/json/serialize.hpp>

#include <algorithm>
#include <cmath>

namespace vault::http {
namespace json = boost::json;
using namespace api;
using storage::Role;

namespace {

constexpr std::size_t kMaxDetokenize = 1000;

domain::PiiService& pii_of(ApiServices& s) {
  if (!s.pii)
    throw VaultException(Error(ErrorKind::NotImplemented, "PII scanning is disabled on this server (pii.enabled=false)"));
  return *s.pii;
}

/// Exactly one of "text" (string) and "json" (any JSON value).
struct Input {
  std::optional<std::string> text;
  std::optional<json::value> doc;
};

Input input_of(const json::object& body) {
  Input in;
  auto t = body.find("text");
  auto j = body.find("json");
  if ((t == body.end()) == (j == body.end()))
    throw VaultException(Error(ErrorKind::MissingParameter, "give exactly one of text (a string) or json (a JSON value)",
                               {{"field", "text"}}));
  if (t != body.end()) {
    if (!t->value().is_string())
      throw VaultException(Error(ErrorKind::Validation, "text must be a string", {{"field", "text"}}));
    in.text = std::string(t->value().as_string());
  } else {
    in.doc = j->value();
  }
  return in;
}

pii::ScanOptions scan_options_of(const json::object& body) {
  pii::ScanOptions o;
  if (auto it = body.find("entities"); it != body.end()) {
    if (!it->value().is_array())
      throw VaultException(Error(ErrorKind::Validation, "entities must be an array of entity names", {{"field", "entities"}}));
    for (const auto& e : it->value().as_array()) {
      if (!e.is_string())
        throw VaultException(Error(ErrorKind::Validation, "entities must be an array of entity names", {{"field", "entities"}}));
      o.entities.emplace_back(e.as_string());
    }
  }
  if (auto it = body.find("min_confidence"); it != body.end()) {
    if (!it->value().is_number())
      throw VaultException(Error(ErrorKind::Validation, "min_confidence must be a number in [0, 1]", {{"field", "min_confidence"}}));
    o.min_score = it->value().to_number<double>();
    if (o.min_score < 0 || o.min_score > 1)
      throw VaultException(Error(ErrorKind::Validation, "min_confidence must be a number in [0, 1]", {{"field", "min_confidence"}}));
  }
  if (auto it = body.find("code_point_offsets"); it != body.end()) {
    if (!it->value().is_bool())
      throw VaultException(Error(ErrorKind::Validation, "code_point_offsets must be a boolean", {{"field", "code_point_offsets"}}));
    o.code_point_offsets = it->value().as_bool();
  }
  return o;
}

/// A finding without its value (the caller has the input; responses never
/// echo matched text so they can be logged or stored safely).
json::object finding_json(const pii::Finding& f, bool code_points) {
  json::object o{{"entity", f.entity},
                 {"score", std::round(f.score * 1000) / 1000},
                 {"start", f.begin},
                 {"end", f.end},
                 {"recognizer", f.recognizer}};
  if (code_points) {
    o["cp_start"] = f.cp_begin;
    o["cp_end"] = f.cp_end;
  }
  return o;
}

json::array findings_json(const std::vector<pii::Finding>& fs, bool code_points) {
  json::array a;
  for (const auto& f : fs) a.push_back(finding_json(f, code_points));
  return a;
}

json::array findings_json(const std::vector<pii::JsonFinding>& fs, bool code_points) {
  json::array a;
  for (const auto& f : fs) {
    auto o = finding_json(f.finding, code_points);
    o["path"] = f.path;
    if (f.in_key) o["in"] = "key";  // the finding is in the member's key
    a.push_back(std::move(o));
  }
  return a;
}

json::object stats_json(const pii::AnonymizeStats& st) {
  json::array ops;
  for (const auto& o : st.operations)
    ops.push_back(json::object{{"operator", o.strategy}, {"entity", o.field_type}, {"status", o.status}, {"count", o.count}});
  return {{"applied", st.applied}, {"fallbacks", st.fallbacks}, {"skipped", st.skipped}, {"operations", std::move(ops)}};
}

/// The policy of an anonymize request: "policy" inline, or the policy of
/// "dataset_id", or the server default; "operator" overrides every entity.
pii::Policy policy_of(ApiServices& s, Request& req, const json::object& body) {
  domain::PiiService& p = pii_of(s);
  pii::Policy policy = p.default_policy();
  if (auto it = body.find("policy"); it != body.end()) {
    policy = must(pii::parse_policy(it->value()));
  } else if (auto ds = string_field(body, "dataset_id")) {
    auto d = must(s.datasets.get(req.ctx.tenant_id, *ds));
    policy = *must(p.policy_of(d));
  }
  if (auto it = body.find("operator"); it != body.end()) {
    policy.default_operator = must(pii::parse_operator_spec(it->value(), "operator"));
    policy.rules.clear();
  }
  return policy;
}

}  // namespace

void register_pii_routes(Router& r, ApiServices& s) {
  r.add("GET", "/api/v1/pii/entities", [&s](Request&) {
          json::array items;
          for (const auto& e : pii_of(s).entities()) items.emplace_back(e);
          return page_response(std::move(items), std::nullopt);
        },
        RouteOptions{});

  r.add("POST", "/api/v1/pii/detect", [&s](Request& req) {
          auto body = json_object_body(req);
          auto in = input_of(body);
          auto opts = scan_options_of(body);
          domain::PiiService& p = pii_of(s);
          json::object out;
          if (in.text) {
            auto found = p.detect_text(*in.text, opts);
            if (!found) throw VaultException(std::move(found.error()));
            out["findings"] = findings_json(*found, opts.code_point_offsets);
          } else {
            auto found = p.detect_json(*in.doc, opts);
            if (!found) throw VaultException(std::move(found.error()));
            out["findings"] = findings_json(*found, opts.code_point_offsets);
          }
          out["count"] = out["findings"].as_array().size();
          return Response::json(200, out);
        },
        RouteOptions{.read_only_safe = true});

  r.add("POST", "/api/v1/pii/anonymize", [&s](Request& req) {
          auto body = json_object_body(req);
          auto in = input_of(body);
          auto policy = policy_of(s, req, body);
          domain::PiiService& p = pii_of(s);
          pii::AnonymizeStats stats;
          json::object out;
          if (in.text) {
            out["text"] = must(p.anonymize_text(req.ctx.tenant_id, *in.text, policy, &stats));
          } else {
            auto found = must(p.anonymize_json(req.ctx.tenant_id, *in.doc, policy, &stats));
            out["json"] = std::move(*in.doc);
            out["findings"] = json::parse(domain::PiiService::summarize(found));
          }
          out["stats"] = stats_json(stats);
          return Response::json(200, out);
        },
        RouteOptions{.min_role = Role::Writer});

  // Reversing tokens needs its own grant: an API key created with
  // "permissions": ["pii:detokenize"] (no role implies it).
  r.add("POST", "/api/v1/pii/detokenize", [&s](Request& req) {
          const auto& perms = req.ctx.permissions;
          if (std::find(perms.begin(), perms.end(), "pii:detokenize") == perms.end())
            throw VaultException(Error(ErrorKind::Authorization,
                                       "detokenize requires an API key with the pii:detokenize permission"));
          auto body = json_object_body(req);
          domain::PiiService& p = pii_of(s);
          if (auto t = body.find("token"); t != body.end()) {
            if (!t->value().is_string())
              throw VaultException(Error(ErrorKind::Validation, "token must be a string", {{"field", "token"}}));
            return Response::json(200, json::object{{"value", must(p.detokenize(req.ctx.tenant_id,
                                                                                 t->value().as_string()))}});
          }
          auto list = body.find("tokens");
          if (list == body.end() || !list->value().is_array())
            throw VaultException(Error(ErrorKind::MissingParameter, "give token (a string) or tokens (an array)",
                                       {{"field", "token"}}));
          const auto& arr = list->value().as_array();
          if (arr.size() > kMaxDetokenize)
            throw VaultException(Error(ErrorKind::PayloadTooLarge, "at most 1000 tokens per request",
                                       {{"limit", kMaxDetokenize}}));
          // Per-item results: one unknown token does not fail the others.
          json::array results;
          for (std::size_t i = 0; i < arr.size(); ++i) {
            if (!arr[i].is_string()) {
              Error e(ErrorKind::Validation, "tokens must be strings", {{"index", i}});
              results.push_back(json::object{{"error", error_object(e, req.ctx)}});
              continue;
            }
            auto v = p.detokenize(req.ctx.tenant_id, arr[i].as_string());
            if (v) results.push_back(json::object{{"value", *v}});
            else results.push_back(json::object{{"error", error_object(v.error(), req.ctx)}});
          }
          return Response::json(200, json::object{{"results", std::move(results)}});
        },
        RouteOptions{.read_only_safe = true});
}

}  // namespace vault::http
