#include "vault/pii/detection/custom_recognizers.hpp"

#include "vault/pii/detection/validators.hpp"
#include "vault/pii/detection/yaml_json.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <cctype>

namespace vault::pii {
namespace {

namespace json = boost::json;

Error bad(const std::string& where, const std::string& what) {
  return Error(ErrorKind::Validation, where + " " + what, {{"field", where}});
}

bool name_ok(std::string_view s, bool upper_only) {
  return !s.empty() && s.size() <= 64 && std::all_of(s.begin(), s.end(), [&](unsigned char c) {
    if (upper_only) return std::isupper(c) || std::isdigit(c) || c == '_';
    return std::isalnum(c) || c == '_' || c == '.' || c == '-';
  });
}

Result<double> unit_number(const json::value& v, const std::string& where) {
  if (!v.is_number()) return std::unexpected(bad(where, "must be a number in [0, 1]"));
  const double d = v.to_number<double>();
  if (d < 0 || d > 1) return std::unexpected(bad(where, "must be a number in [0, 1]"));
  return d;
}

Result<bool> boolean(const json::value& v, const std::string& where) {
  if (!v.is_bool()) return std::unexpected(bad(where, "must be true or false"));
  return v.as_bool();
}

Result<std::string> string(const json::value& v, const std::string& where) {
  if (!v.is_string()) return std::unexpected(bad(where, "must be a string"));
  return std::string(v.as_string());
}

Result<PatternSpec> pattern(const json::value& v, const std::string& where, std::size_t index) {
  PatternSpec p;
  if (v.is_string()) {
    p.regex = std::string(v.as_string());
  } else if (v.is_object()) {
    for (const auto& kv : v.as_object()) {
      const std::string key(kv.key());
      const std::string at = where + "." + key;
      if (key == "regex") {
        auto s = string(kv.value(), at);
        if (!s) return std::unexpected(s.error());
        p.regex = *s;
      } else if (key == "score") {
        auto d = unit_number(kv.value(), at);
        if (!d) return std::unexpected(d.error());
        p.score = *d;
      } else if (key == "caseless") {
        auto b = boolean(kv.value(), at);
        if (!b) return std::unexpected(b.error());
        p.caseless = *b;
      } else if (key == "name") {
        auto s = string(kv.value(), at);
        if (!s) return std::unexpected(s.error());
        p.name = *s;
      } else {
        return std::unexpected(bad(at, "is not a pattern field (regex, score, caseless, name)"));
      }
    }
  } else {
    return std::unexpected(bad(where, "must be a regex string or an object"));
  }
  if (p.regex.empty() || p.regex.size() > 4096) return std::unexpected(bad(where + ".regex", "must be 1-4096 characters"));
  if (p.name.empty()) p.name = "p" + std::to_string(index);
  return p;
}

Result<RecognizerSpec> recognizer(const json::value& v, const std::string& where) {
  if (!v.is_object()) return std::unexpected(bad(where, "must be an object"));
  RecognizerSpec r;
  r.context_boost = 0.35;
  for (const auto& kv : v.as_object()) {
    const std::string key(kv.key());
    const std::string at = where + "." + key;
    const json::value& val = kv.value();
    if (key == "name" || key == "entity" || key == "validator") {
      auto s = string(val, at);
      if (!s) return std::unexpected(s.error());
      (key == "name" ? r.name : key == "entity" ? r.entity : r.validator) = *s;
    } else if (key == "patterns") {
      if (!val.is_array() || val.as_array().empty()) return std::unexpected(bad(at, "must be a non-empty array"));
      for (std::size_t i = 0; i < val.as_array().size(); ++i) {
        auto p = pattern(val.as_array()[i], at + "[" + std::to_string(i) + "]", i);
        if (!p) return std::unexpected(p.error());
        r.patterns.push_back(std::move(*p));
      }
    } else if (key == "context") {
      if (!val.is_array()) return std::unexpected(bad(at, "must be an array of words"));
      for (const auto& w : val.as_array()) {
        if (!w.is_string()) return std::unexpected(bad(at, "must be an array of words"));
        std::string word(w.as_string());
        std::transform(word.begin(), word.end(), word.begin(), [](unsigned char c) { return std::tolower(c); });
        r.context.push_back(std::move(word));
      }
    } else if (key == "require_valid") {
      auto b = boolean(val, at);
      if (!b) return std::unexpected(b.error());
      r.require_valid = *b;
    } else if (key == "validated_score" || key == "context_boost" || key == "min_context_score") {
      auto d = unit_number(val, at);
      if (!d) return std::unexpected(d.error());
      (key == "validated_score" ? r.validated_score : key == "context_boost" ? r.context_boost : r.min_context_score) = *d;
    } else {
      return std::unexpected(bad(at, "is not a recognizer field"));
    }
  }
  if (!name_ok(r.name, false)) return std::unexpected(bad(where + ".name", "must be 1-64 characters of [A-Za-z0-9_.-]"));
  if (!name_ok(r.entity, true)) return std::unexpected(bad(where + ".entity", "must be 1-64 characters of [A-Z0-9_]"));
  if (r.patterns.empty()) return std::unexpected(bad(where + ".patterns", "is required"));
  if (!r.validator.empty() && !find_validator(r.validator))
    return std::unexpected(bad(where + ".validator", "names no known validator"));
  r.name = "custom:" + r.name;
  return r;
}

}  // namespace

Result<std::vector<RecognizerSpec>> parse_custom_recognizers(const json::value& v) {
  const json::value* list = &v;
  if (v.is_object()) {
    auto it = v.as_object().find("recognizers");
    if (it == v.as_object().end() || v.as_object().size() != 1)
      return std::unexpected(bad("recognizers", "must be the only top-level key"));
    list = &it->value();
  }
  if (!list->is_array()) return std::unexpected(bad("recognizers", "must be an array"));
  std::vector<RecognizerSpec> out;
  for (std::size_t i = 0; i < list->as_array().size(); ++i) {
    auto r = recognizer(list->as_array()[i], "recognizers[" + std::to_string(i) + "]");
    if (!r) return std::unexpected(r.error());
    out.push_back(std::move(*r));
  }
  return out;
}

Result<std::vector<RecognizerSpec>> parse_custom_recognizers_text(std::string_view text) {
  auto v = yaml_to_json(text, "recognizers");
  if (!v) return std::unexpected(v.error());
  return parse_custom_recognizers(*v);
}

}  // namespace vault::pii
