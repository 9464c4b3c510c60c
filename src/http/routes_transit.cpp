// /api/v1/transit: named tenant keys and encryption as a service
// (encrypt, decrypt, rewrap, datakey), single items or batch_input.
#include "api_json.hpp"
#include "api_routes.hpp"
#include "vault/core/ids.hpp"
#include "vault/http/router.hpp"

namespace vault::http {
namespace json = boost::json;
using namespace api;
using storage::Role;

namespace {

domain::TransitService& transit_of(ApiServices& s) {
  if (!s.transit)
    throw VaultException(Error(ErrorKind::NotImplemented,
                               "the transit API needs a key provider (encryption.enabled=true)"));
  return *s.transit;
}

/// [A-Za-z0-9._-]{1,128}, not starting with '_' (reserved for internal keys).
const std::string& checked_name(const std::string& name) {
  bool ok = !name.empty() && name.size() <= 128 && name[0] != '_';
  for (char ch : name)
    ok = ok && ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '.' ||
                ch == '_' || ch == '-');
  if (!ok)
    throw VaultException(Error(ErrorKind::Validation,
                               "a key name has 1-128 characters [A-Za-z0-9._-] and does not start with '_'",
                               {{"field", "name"}}));
  return name;
}

const std::string& name_param(Request& req) { return checked_name(req.path_params.at("name")); }

json::object key_json(const domain::TenantKeyInfo& k) {
  json::array versions;
  for (const auto& v : k.versions)
    versions.push_back(json::object{{"version", v.version},
                                    {"state", storage::tenant_key_state_name(v.state)},
                                    {"created_at", format_rfc3339(v.created_at)}});
  return {{"name", k.config.name},
          {"type", k.config.type},
          {"latest_version", k.latest_version},
          {"min_decryption_version", k.config.min_decryption_version},
          {"deletion_allowed", k.config.deletion_allowed},
          {"versions", std::move(versions)},
          {"created_at", format_rfc3339(k.config.created_at)},
          {"updated_at", format_rfc3339(k.config.updated_at)}};
}

json::object key_summary_json(const storage::TenantKeyConfig& c) {
  return {{"name", c.name},
          {"type", c.type},
          {"min_decryption_version", c.min_decryption_version},
          {"created_at", format_rfc3339(c.created_at)},
          {"updated_at", format_rfc3339(c.updated_at)}};
}

/// A required string field of one item; Validation naming it otherwise.
Result<std::string> item_string(const json::object& o, std::string_view field) {
  auto it = o.find(field);
  if (it == o.end() || !it->value().is_string())
    return fail(ErrorKind::Validation, std::string(field) + " is required and must be a string",
                {{"field", std::string(field)}});
  return std::string(it->value().as_string());
}

Result<std::optional<std::string>> item_context(const json::object& o) {
  auto it = o.find("context");
  if (it == o.end() || it->value().is_null()) return std::optional<std::string>{};
  if (!it->value().is_string())
    return fail(ErrorKind::Validation, "context must be a base64 string", {{"field", "context"}});
  return std::optional<std::string>{std::string(it->value().as_string())};
}

/// One item of encrypt/decrypt/rewrap: the JSON result or an error.
using ItemFn = std::function<Result<json::object>(const json::object& item)>;

/// Runs `fn` on the body (a single item) or on each of "batch_input" (per-item
/// results; one failing item does not fail the others).
Response single_or_batch(ApiServices& s, Request& req, const ItemFn& fn) {
  auto body = json_object_body(req);
  auto batch = body.find("batch_input");
  if (batch == body.end()) return Response::json(200, must(fn(body)));
  if (!batch->value().is_array())
    throw VaultException(Error(ErrorKind::Validation, "batch_input must be an array of objects",
                               {{"field", "batch_input"}}));
  const auto& items = batch->value().as_array();
  const std::size_t max = transit_of(s).limits().max_batch_items;
  if (items.size() > max)
    throw VaultException(Error(ErrorKind::PayloadTooLarge, "batch_input has too many items",
                               {{"field", "batch_input"}, {"limit", max}}));
  json::array results;
  for (std::size_t i = 0; i < items.size(); ++i) {
    Result<json::object> r = items[i].is_object()
                                 ? fn(items[i].as_object())
                                 : Result<json::object>(std::unexpected(Error(
                                       ErrorKind::Validation, "each batch_input item must be an object")));
    if (r) {
      results.push_back(std::move(*r));
    } else {
      r.error().details()["index"] = i;
      results.push_back(json::object{{"error", error_object(r.error(), req.ctx)}});
    }
  }
  return Response::json(200, json::object{{"batch_results", std::move(results)}});
}

json::object encrypted_json(const domain::TransitService::Encrypted& e) {
  return {{"ciphertext", e.ciphertext}, {"key_version", e.key_version}};
}

/// One parsed item of encrypt/decrypt/rewrap on key `name`.
struct ItemCall {
  const std::string& tenant_id;
  const std::string& name;
  const std::string& input;                  ///< the item's input field (plaintext or ciphertext)
  const std::optional<std::string>& context;  ///< the item's optional base64 context
};
using ItemOp = std::function<Result<json::object>(domain::TransitService&, const ItemCall&)>;

/// POST /transit/<op>/{name}: the body (or each of its batch_input) is
/// {<input_field>: string, context?: base64 string}; `op` turns a parsed
/// item into its result. Field errors are the item's errors.
Handler item_route(ApiServices& s, std::string input_field, ItemOp op) {
  return [&s, input_field = std::move(input_field), op = std::move(op)](Request& req) {
    const std::string& name = name_param(req);
    auto& t = transit_of(s);
    return single_or_batch(s, req, [&](const json::object& item) -> Result<json::object> {
      auto input = item_string(item, input_field);
      if (!input) return std::unexpected(input.error());
      auto context = item_context(item);
      if (!context) return std::unexpected(context.error());
      return op(t, ItemCall{req.ctx.tenant_id, name, *input, *context});
    });
  };
}

}  // namespace

void register_transit_routes(Router& r, ApiServices& s) {
  r.add("POST", "/api/v1/transit/keys", idempotent([&s](Request& req) {
          auto body = json_object_body(req);
          auto name = string_field(body, "name");
          if (!name) throw VaultException(Error(ErrorKind::MissingParameter, "name is required", {{"field", "name"}}));
          auto type = string_field(body, "type").value_or(domain::TenantKeyring::kDefaultType);
          auto k = must(transit_of(s).keyring().create(req.ctx.tenant_id, checked_name(*name), type));
          return Response::json(201, key_json(k));
        }, s),
        RouteOptions{.min_role = Role::Admin});

  r.add("GET", "/api/v1/transit/keys", [&s](Request& req) {
          json::array items;
          for (const auto& c : must(transit_of(s).keyring().list(req.ctx.tenant_id))) items.push_back(key_summary_json(c));
          return page_response(std::move(items), std::nullopt);
        },
        RouteOptions{});

  r.add("GET", "/api/v1/transit/keys/{name}", [&s](Request& req) {
          return Response::json(200, key_json(must(transit_of(s).keyring().info(req.ctx.tenant_id, name_param(req)))));
        },
        RouteOptions{});

  r.add("PATCH", "/api/v1/transit/keys/{name}", [&s](Request& req) {
          const std::string& name = name_param(req);
          auto body = json_object_body(req);
          domain::TenantKeyPatch patch;
          if (auto it = body.find("min_decryption_version"); it != body.end()) {
            if (!it->value().is_int64())
              throw VaultException(Error(ErrorKind::Validation, "min_decryption_version must be an integer",
                                         {{"field", "min_decryption_version"}}));
            patch.min_decryption_version = it->value().as_int64();
          }
          if (auto it = body.find("deletion_allowed"); it != body.end()) {
            if (!it->value().is_bool())
              throw VaultException(Error(ErrorKind::Validation, "deletion_allowed must be a boolean",
                                         {{"field", "deletion_allowed"}}));
            patch.deletion_allowed = it->value().as_bool();
          }
          if (!patch.min_decryption_version && !patch.deletion_allowed)
            throw VaultException(Error(ErrorKind::MissingParameter,
                                       "give min_decryption_version and/or deletion_allowed",
                                       {{"field", "min_decryption_version"}}));
          return Response::json(200, key_json(must(transit_of(s).keyring().configure(req.ctx.tenant_id, name, patch))));
        },
        RouteOptions{.min_role = Role::Admin});

  // Deleting destroys every version: whatever was encrypted with the key can
  // no longer be decrypted. Refused unless deletion_allowed was set first.
  r.add("DELETE", "/api/v1/transit/keys/{name}", [&s](Request& req) {
          const std::string& name = name_param(req);
          auto& keyring = transit_of(s).keyring();
          auto cfg = must(keyring.info(req.ctx.tenant_id, name)).config;  // uncached
          if (!cfg.deletion_allowed)
            throw VaultException(Error(ErrorKind::BusinessRuleViolation,
                                       "the key does not allow deletion: PATCH deletion_allowed=true first",
                                       {{"name", name}, {"reason", "deletion_not_allowed"}}));
          must(keyring.destroy(req.ctx.tenant_id, name));
          return Response::empty(204);
        },
        RouteOptions{.min_role = Role::Admin});

  r.add("POST", "/api/v1/transit/keys/{name}:rotate", idempotent([&s](Request& req) {
          const std::string& name = name_param(req);
          auto& keyring = transit_of(s).keyring();
          must(keyring.rotate(req.ctx.tenant_id, name));
          return Response::json(200, key_json(must(keyring.info(req.ctx.tenant_id, name))));
        }, s),
        RouteOptions{.min_role = Role::Admin});

  r.add("POST", "/api/v1/transit/encrypt/{name}",
        item_route(s, "plaintext",
                   [](domain::TransitService& t, const ItemCall& c) -> Result<json::object> {
                     auto e = t.encrypt(c.tenant_id, c.name, c.input, c.context);
                     if (!e) return std::unexpected(e.error());
                     return encrypted_json(*e);
                   }),
        RouteOptions{.min_role = Role::Writer, .read_only_safe = true});

  r.add("POST", "/api/v1/transit/decrypt/{name}",
        item_route(s, "ciphertext",
                   [](domain::TransitService& t, const ItemCall& c) -> Result<json::object> {
                     auto p = t.decrypt(c.tenant_id, c.name, c.input, c.context);
                     if (!p) return std::unexpected(p.error());
                     return json::object{{"plaintext", std::move(*p)}};
                   }),
        RouteOptions{.min_role = Role::Writer, .read_only_safe = true});

  r.add("POST", "/api/v1/transit/rewrap/{name}",
        item_route(s, "ciphertext",
                   [](domain::TransitService& t, const ItemCall& c) -> Result<json::object> {
                     auto e = t.rewrap(c.tenant_id, c.name, c.input, c.context);
                     if (!e) return std::unexpected(e.error());
                     return encrypted_json(*e);
                   }),
        RouteOptions{.min_role = Role::Writer, .read_only_safe = true});

  r.add("POST", "/api/v1/transit/datakey/{name}/{type}", [&s](Request& req) {
          const std::string& name = name_param(req);
          const std::string& type = req.path_params.at("type");
          if (type != "plaintext" && type != "wrapped")
            throw VaultException(Error(ErrorKind::Validation, "the data key type is plaintext or wrapped",
                                       {{"field", "type"}}));
          std::optional<std::string> context;
          if (!req.body.empty()) context = must(item_context(json_object_body(req)));
          auto d = must(transit_of(s).datakey(req.ctx.tenant_id, name, type == "plaintext", context));
          json::object out{{"ciphertext", d.ciphertext}, {"key_version", d.key_version}};
          if (d.plaintext) out["plaintext"] = *d.plaintext;
          return Response::json(200, out);
        },
        RouteOptions{.min_role = Role::Writer, .read_only_safe = true});
}

}  // namespace vault::http
