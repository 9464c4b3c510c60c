#include "api_json.hpp"
#include "http/media_type.hpp"

#include "vault/core/ids.hpp"
#include "vault/core/strict_json.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <charconv>

namespace vault::http::api {
namespace json = boost::json;

json::object to_json(const storage::Tenant& t) {
  return {{"id", t.id}, {"name", t.name}, {"status", t.status},
          {"created_at", format_rfc3339(t.created_at)}};
}

json::object to_json(const storage::ApiKey& k) {
  return {{"id", k.id},
          {"tenant_id", k.tenant_id},
          {"name", k.name},
          {"role", storage::role_name(k.role)},
          {"prefix", k.prefix},
          {"revoked", k.revoked},
          {"permissions", json::array(k.permissions.begin(), k.permissions.end())},
          {"created_at", format_rfc3339(k.created_at)}};
}

json::object to_json(const storage::Dataset& d) {
  json::array tags;
  for (const auto& t : d.tags) tags.emplace_back(t);
  json::value schema = nullptr;
  if (!d.schema_json.empty()) schema = json::parse(d.schema_json);
  return {{"id", d.id},
          {"tenant_id", d.tenant_id},
          {"name", d.name},
          {"description", d.description},
          {"tags", std::move(tags)},
          {"schema", std::move(schema)},
          {"pii_policy", d.pii_policy.empty() ? json::value(nullptr) : json::parse(d.pii_policy)},
          {"status", d.status},
          {"etag", etag_of(d.etag)},
          {"record_count", d.record_count},
          {"version_count", d.version_count},
          {"created_at", format_rfc3339(d.created_at)},
          {"updated_at", format_rfc3339(d.updated_at)}};
}

json::object to_json(const storage::Version& v) {
  return {{"dataset_id", v.dataset_id},
          {"number", v.number},
          {"seq", v.seq},
          {"message", v.message},
          {"author_key_id", v.author_key_id},
          {"record_count", v.record_count},
          {"bytes", v.record_bytes},
          {"content_hash", v.content_hash},
          {"created_at", format_rfc3339(v.created_at)}};
}

std::string record_json(const domain::RecordView& r) {
  std::string out;
  out.reserve(r.payload.size() + r.id.size() + 128);
  out += "{\"id\":";
  out += json::serialize(json::string_view(r.id));
  out += ",\"revision\":";
  out += std::to_string(r.revision);
  out += ",\"data\":";
  out += r.payload;
  out += ",\"created_at\":\"";
  out += format_rfc3339(r.created_at);
  out += "\",\"updated_at\":\"";
  out += format_rfc3339(r.updated_at);
  out += "\",\"quarantined\":";
  out += r.quarantined ? "true" : "false";
  out += ",\"pii\":";
  out += r.findings.empty() ? std::string("null") : r.findings;
  out += '}';
  return out;
}

std::string etag_of(std::int64_t n) { return "\"" + std::to_string(n) + "\""; }

std::optional<std::int64_t> if_match(const Request& req) {
  auto h = req.header("if-match");
  if (!h) return std::nullopt;
  std::string_view v = *h;
  while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
  while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
  if (v == "*") return std::nullopt;
  if (v.starts_with("W/")) v.remove_prefix(2);
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
  std::int64_t n = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc{} || p != v.data() + v.size() || n < 0)
    throw VaultException(Error(ErrorKind::Validation, "If-Match must be an ETag returned by the server",
                               {{"header", "If-Match"}}));
  return n;
}

/// Records nest up to 64 levels; a batch wraps them in {"records": [...]}.
constexpr std::size_t kMaxBodyDepth = StrictJsonParser::kDefaultMaxDepth + 2;

static void require_json_type(const Request& req) {
  auto ct = req.header("content-type");
  if (!ct || !media_type_is(*ct, "application/json"))
    throw VaultException(Error(ErrorKind::UnsupportedMediaType,
                               "this route accepts Content-Type: application/json",
                               {{"content_type", ct ? *ct : std::string()}}));
}

std::string_view json_text_body(const Request& req) {
  require_json_type(req);
  return req.body;
}

json::object json_object_body(const Request& req) {
  require_json_type(req);
  // Strict: a repeated key is refused, so what a route checks is what it stores.
  thread_local StrictJsonParser parser({.max_depth = kMaxBodyDepth, .subject = "request body"});
  auto parsed = parser.parse(req.body);
  if (!parsed) throw VaultException(std::move(parsed.error()));
  json::value v = std::move(*parsed);
  if (!v.is_object())
    throw VaultException(Error(ErrorKind::Validation, "request body must be a JSON object"));
  return std::move(v.as_object());
}

int limit_param(const Request& req, int def, int max) {
  auto v = req.param("limit");
  if (!v) return def;
  int n = 0;
  auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
  if (ec != std::errc{} || p != v->data() + v->size() || n < 1 || n > max)
    throw VaultException(Error(ErrorKind::Validation,
                               "limit must be an integer between 1 and " + std::to_string(max),
                               {{"parameter", "limit"}}));
  return n;
}

std::optional<std::int64_t> int_param(const Request& req, const std::string& name) {
  auto v = req.param(name);
  if (!v) return std::nullopt;
  std::int64_t n = 0;
  auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
  if (ec != std::errc{} || p != v->data() + v->size() || n < 1)
    throw VaultException(Error(ErrorKind::Validation, name + " must be a positive integer",
                               {{"parameter", name}}));
  return n;
}

std::optional<std::string> string_field(const json::object& o, std::string_view name) {
  auto it = o.find(name);
  if (it == o.end() || it->value().is_null()) return std::nullopt;
  if (!it->value().is_string())
    throw VaultException(Error(ErrorKind::Validation, std::string(name) + " must be a string",
                               {{"field", std::string(name)}}));
  return std::string(it->value().as_string());
}

Response page_response(json::array items, const std::optional<std::string>& next_cursor) {
  json::object o;
  o["items"] = std::move(items);
  o["next_cursor"] = next_cursor ? json::value(*next_cursor) : json::value(nullptr);
  return Response::json(200, o);
}

}  // namespace vault::http::api
