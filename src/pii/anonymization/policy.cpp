// Policy model: names, JSON (and YAML) parsing with strict field checks,
// canonical JSON.
#include "vault/pii/anonymization/policy.hpp"

#include "vault/pii/anonymization/ff3.hpp"
#include "vault/pii/detection/yaml_json.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <set>

namespace vault::pii {
namespace {

struct KindName {
  OperatorKind kind;
  std::string_view name;
};
constexpr std::array<KindName, 10> kKinds = {{
    {OperatorKind::Keep, "keep"},
    {OperatorKind::Redact, "redact"},
    {OperatorKind::Replace, "replace"},
    {OperatorKind::Mask, "mask"},
    {OperatorKind::Hash, "hash"},
    {OperatorKind::Pseudonymize, "pseudonymize"},
    {OperatorKind::Tokenize, "tokenize"},
    {OperatorKind::Fpe, "fpe"},
    {OperatorKind::Generalize, "generalize"},
    {OperatorKind::Encrypt, "encrypt"},
}};

struct GenName {
  GeneralizeTo to;
  std::string_view name;
};
constexpr std::array<GenName, 6> kGens = {{
    {GeneralizeTo::Auto, "auto"},
    {GeneralizeTo::Year, "year"},
    {GeneralizeTo::YearMonth, "year_month"},
    {GeneralizeTo::AgeBand, "age_band"},
    {GeneralizeTo::Prefix, "prefix"},
    {GeneralizeTo::Network, "network"},
}};

struct ActionName {
  PolicyAction action;
  std::string_view name;
};
constexpr std::array<ActionName, 4> kActions = {{
    {PolicyAction::Flag, "flag"},
    {PolicyAction::Quarantine, "quarantine"},
    {PolicyAction::Reject, "reject"},
    {PolicyAction::Anonymize, "anonymize"},
}};

std::unexpected<Error> bad(std::string_view where, std::string_view key, std::string_view what) {
  std::string field(where);
  if (!key.empty()) {
    if (!field.empty()) field.push_back('.');
    field += key;
  }
  return fail(ErrorKind::Validation, field + " " + std::string(what), {{"field", field}});
}

Result<std::size_t> get_size(const boost::json::value& v, std::string_view where, std::string_view key,
                             std::size_t lo, std::size_t hi) {
  std::int64_t n = 0;
  if (v.is_int64()) n = v.get_int64();
  else if (v.is_uint64() && v.get_uint64() <= static_cast<std::uint64_t>(INT64_MAX))
    n = static_cast<std::int64_t>(v.get_uint64());
  else if (v.is_double() && std::floor(v.get_double()) == v.get_double() && std::abs(v.get_double()) < 1e15)
    n = static_cast<std::int64_t>(v.get_double());
  else
    return bad(where, key, "must be an integer");
  if (n < static_cast<std::int64_t>(lo) || n > static_cast<std::int64_t>(hi))
    return bad(where, key, "must be between " + std::to_string(lo) + " and " + std::to_string(hi));
  return static_cast<std::size_t>(n);
}

Result<bool> get_bool(const boost::json::value& v, std::string_view where, std::string_view key) {
  if (!v.is_bool()) return bad(where, key, "must be a boolean");
  return v.get_bool();
}

Result<std::string> get_string(const boost::json::value& v, std::string_view where, std::string_view key) {
  if (!v.is_string()) return bad(where, key, "must be a string");
  return std::string(v.get_string());
}

std::size_t utf8_code_points(std::string_view s) {
  std::size_t n = 0;
  for (unsigned char c : s)
    if ((c & 0xC0) != 0x80) ++n;
  return n;
}

}  // namespace

std::string_view operator_name(OperatorKind kind) {
  for (const auto& k : kKinds)
    if (k.kind == kind) return k.name;
  return "unknown";
}

std::optional<OperatorKind> parse_operator_kind(std::string_view name) {
  for (const auto& k : kKinds)
    if (k.name == name) return k.kind;
  return std::nullopt;
}

bool is_reversible(OperatorKind kind) {
  return kind == OperatorKind::Tokenize || kind == OperatorKind::Fpe || kind == OperatorKind::Encrypt;
}

std::string_view generalize_name(GeneralizeTo to) {
  for (const auto& g : kGens)
    if (g.to == to) return g.name;
  return "auto";
}

std::string_view action_name(PolicyAction action) {
  for (const auto& a : kActions)
    if (a.action == action) return a.name;
  return "flag";
}

Result<OperatorSpec> parse_operator_spec(const boost::json::value& v, std::string_view where) {
  if (!v.is_object()) return bad(where, "", "must be an object");
  const auto& o = v.get_object();
  auto it = o.find("operator");
  if (it == o.end()) return bad(where, "operator", "is required");
  if (!it->value().is_string()) return bad(where, "operator", "must be a string");
  auto kind = parse_operator_kind(std::string_view(it->value().get_string()));
  if (!kind)
    return bad(where, "operator",
               "must be one of keep, redact, replace, mask, hash, pseudonymize, tokenize, fpe, "
               "generalize, encrypt");
  OperatorSpec spec;
  spec.kind = *kind;
  for (const auto& kv : o) {
    std::string_view key = kv.key();
    const auto& val = kv.value();
    if (key == "operator") continue;
    bool known = true;
    switch (spec.kind) {
      case OperatorKind::Replace:
        if (key == "value") {
          auto s = get_string(val, where, key);
          if (!s) return fail(s.error());
          spec.value = std::move(*s);
        } else known = false;
        break;
      case OperatorKind::Mask:
        if (key == "char") {
          auto s = get_string(val, where, key);
          if (!s) return fail(s.error());
          if (utf8_code_points(*s) != 1 || s->size() > 4) return bad(where, key, "must be exactly one character");
          spec.mask_char = std::move(*s);
        } else if (key == "keep_last" || key == "keep_first" || key == "chars_to_mask") {
          auto n = get_size(val, where, key, 0, 1u << 20);
          if (!n) return fail(n.error());
          if (key == "keep_last") spec.keep_last = *n;
          else if (key == "keep_first") spec.keep_first = *n;
          else spec.chars_to_mask = *n;
        } else if (key == "from_end" || key == "mask_separators") {
          auto b = get_bool(val, where, key);
          if (!b) return fail(b.error());
          (key == "from_end" ? spec.from_end : spec.mask_separators) = *b;
        } else known = false;
        break;
      case OperatorKind::Hash:
        if (key == "length") {
          auto n = get_size(val, where, key, 8, 64);
          if (!n) return fail(n.error());
          spec.hash_length = *n;
        } else known = false;
        break;
      case OperatorKind::Fpe:
        if (key == "tweak") {
          auto s = get_string(val, where, key);
          if (!s) return fail(s.error());
          if (!parse_ff3_tweak(*s)) return bad(where, key, "must be 14 hex digits (56 bits)");
          spec.tweak = std::move(*s);
        } else known = false;
        break;
      case OperatorKind::Generalize:
        if (key == "to") {
          auto s = get_string(val, where, key);
          if (!s) return fail(s.error());
          auto g = std::find_if(kGens.begin(), kGens.end(), [&](const GenName& x) { return x.name == *s; });
          if (g == kGens.end())
            return bad(where, key, "must be one of auto, year, year_month, age_band, prefix, network");
          spec.generalize_to = g->to;
        } else if (key == "prefix_length" || key == "band_width") {
          auto n = get_size(val, where, key, 1, 1000);
          if (!n) return fail(n.error());
          (key == "prefix_length" ? spec.prefix_length : spec.band_width) = *n;
        } else if (key == "ipv4_prefix") {
          auto n = get_size(val, where, key, 0, 32);
          if (!n) return fail(n.error());
          spec.ipv4_prefix = static_cast<unsigned>(*n);
        } else if (key == "ipv6_prefix") {
          auto n = get_size(val, where, key, 0, 128);
          if (!n) return fail(n.error());
          spec.ipv6_prefix = static_cast<unsigned>(*n);
        } else known = false;
        break;
      default:
        known = false;
    }
    if (!known)
      return bad(where, key,
                 "is not a parameter of operator " + std::string(operator_name(spec.kind)));
  }
  return spec;
}

boost::json::object operator_spec_to_json(const OperatorSpec& s) {
  boost::json::object o;
  o["operator"] = operator_name(s.kind);
  switch (s.kind) {
    case OperatorKind::Replace:
      if (s.value) o["value"] = *s.value;
      break;
    case OperatorKind::Mask:
      o["char"] = s.mask_char;
      if (s.keep_last) o["keep_last"] = *s.keep_last;
      o["keep_first"] = s.keep_first;
      if (s.chars_to_mask) o["chars_to_mask"] = *s.chars_to_mask;
      o["from_end"] = s.from_end;
      o["mask_separators"] = s.mask_separators;
      break;
    case OperatorKind::Hash:
      o["length"] = s.hash_length;
      break;
    case OperatorKind::Fpe:
      if (s.tweak) o["tweak"] = *s.tweak;
      break;
    case OperatorKind::Generalize:
      o["to"] = generalize_name(s.generalize_to);
      o["prefix_length"] = s.prefix_length;
      o["band_width"] = s.band_width;
      o["ipv4_prefix"] = s.ipv4_prefix;
      o["ipv6_prefix"] = s.ipv6_prefix;
      break;
    default:
      break;
  }
  return o;
}

const OperatorSpec& Policy::operator_for(std::string_view entity) const {
  auto it = rules.find(entity);
  return it == rules.end() ? default_operator : it->second;
}

bool Policy::applies_to(const Finding& f) const {
  if (f.score < min_confidence) return false;
  return entities.empty() || std::find(entities.begin(), entities.end(), f.entity) != entities.end();
}

ScanOptions Policy::scan_options() const {
  ScanOptions o;
  o.entities = entities;
  o.min_score = min_confidence;
  return o;
}

boost::json::object Policy::to_json() const {
  boost::json::object o;
  o["action"] = action_name(action);
  o["min_confidence"] = min_confidence;
  boost::json::array ents;
  for (const auto& e : entities) ents.emplace_back(e);
  o["entities"] = std::move(ents);
  o["default"] = operator_spec_to_json(default_operator);
  boost::json::object r;
  for (const auto& [entity, spec] : rules) r[entity] = operator_spec_to_json(spec);
  o["rules"] = std::move(r);
  return o;
}

Result<Policy> parse_policy(const boost::json::value& v) {
  if (!v.is_object()) return bad("policy", "", "must be an object");
  Policy p;
  for (const auto& kv : v.get_object()) {
    std::string_view key = kv.key();
    const auto& val = kv.value();
    if (key == "action") {
      auto s = get_string(val, "", key);
      if (!s) return fail(s.error());
      auto a = std::find_if(kActions.begin(), kActions.end(), [&](const ActionName& x) { return x.name == *s; });
      if (a == kActions.end()) return bad("", key, "must be one of flag, quarantine, reject, anonymize");
      p.action = a->action;
    } else if (key == "min_confidence") {
      if (!val.is_number()) return bad("", key, "must be a number between 0 and 1");
      double d = val.to_number<double>();
      if (!(d >= 0.0 && d <= 1.0)) return bad("", key, "must be a number between 0 and 1");
      p.min_confidence = d;
    } else if (key == "entities") {
      if (!val.is_array()) return bad("", key, "must be an array of entity names");
      std::set<std::string> seen;
      for (std::size_t i = 0; i < val.get_array().size(); ++i) {
        const auto& e = val.get_array()[i];
        if (!e.is_string() || e.get_string().empty())
          return bad("", "entities[" + std::to_string(i) + "]", "must be a non-empty string");
        std::string name(e.get_string());
        if (seen.insert(name).second) p.entities.push_back(std::move(name));
      }
    } else if (key == "default") {
      auto s = parse_operator_spec(val, "default");
      if (!s) return fail(s.error());
      p.default_operator = std::move(*s);
    } else if (key == "rules") {
      if (!val.is_object()) return bad("", key, "must be an object mapping entity names to operators");
      for (const auto& rule : val.get_object()) {
        if (rule.key().empty()) return bad("", key, "must not have an empty entity name");
        auto s = parse_operator_spec(rule.value(), "rules." + std::string(rule.key()));
        if (!s) return fail(s.error());
        p.rules.emplace(std::string(rule.key()), std::move(*s));
      }
    } else {
      return bad("", key, "is not a policy field (expected action, min_confidence, entities, default, rules)");
    }
  }
  return p;
}

Result<Policy> parse_policy_json(std::string_view text) {
  boost::system::error_code ec;
  auto v = boost::json::parse(text, ec);
  if (ec) return fail(ErrorKind::Validation, "policy is not valid JSON", {{"field", "policy"}});
  return parse_policy(v);
}

Result<Policy> parse_policy_yaml(std::string_view text) {
  auto v = yaml_to_json(text, "policy");
  if (!v) return fail(v.error());
  return parse_policy(*v);
}

}  // namespace vault::pii
