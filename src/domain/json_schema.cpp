#include "vault/domain/json_schema.hpp"

#include <algorithm>
#include <array>
#include <boost/json/serialize.hpp>
#include <charconv>
#include <cmath>
#include <compare>
#include <cstring>
#include <limits>

#include "ecma_regex.hpp"
#include "json_schema_node.hpp"

namespace vault::domain {
namespace schema_detail {
namespace {

constexpr int kMaxSchemaDepth = 32;
constexpr std::size_t kMaxPatternBytes = 1024;

constexpr std::array<std::pair<std::string_view, std::uint8_t>, 7> kTypeNames{{
    {"null", kNull},
    {"boolean", kBoolean},
    {"object", kObject},
    {"array", kArray},
    {"number", kNumber},
    {"integer", kInteger},
    {"string", kString},
}};

constexpr std::array<std::string_view, 7> kAnnotations{"$schema",     "$id",     "$comment", "title",
                                                       "description", "default", "examples"};

void append_pointer_token(std::string& out, std::string_view token) {
  out.push_back('/');
  for (char c : token) {
    if (c == '~')
      out += "~0";
    else if (c == '/')
      out += "~1";
    else
      out.push_back(c);
  }
}

/// Compiles one schema node; `pointer` is its JSON pointer in the schema.
class Compiler {
 public:
  Result<std::unique_ptr<Node>> node(const boost::json::value& s, const std::string& pointer, int depth) {
    if (depth > kMaxSchemaDepth)
      return invalid("", pointer,
                     "schema is nested more than " + std::to_string(kMaxSchemaDepth) + " levels deep");
    auto n = std::make_unique<Node>();
    if (s.is_bool()) {
      n->constant = s.get_bool();
      return n;
    }
    if (!s.is_object()) return invalid("", pointer, "a schema must be an object or a boolean");
    for (const auto& kv : s.get_object()) {
      const std::string_view key = kv.key();
      std::string kp = pointer;
      append_pointer_token(kp, key);
      if (auto st = keyword(*n, key, kv.value(), kp, depth); !st)
        return std::unexpected(std::move(st.error()));
    }
    return n;
  }

 private:
  static std::unexpected<Error> invalid(std::string_view keyword, const std::string& pointer,
                                        std::string what) {
    std::string where = pointer.empty() ? std::string("the schema root") : "'" + pointer + "'";
    return fail(ErrorKind::Validation, "invalid schema at " + where + ": " + what,
                {{"keyword", keyword}, {"pointer", pointer}});
  }

  static Result<std::uint64_t> non_negative(std::string_view keyword, const boost::json::value& v,
                                            const std::string& kp) {
    if (v.is_uint64()) return v.get_uint64();
    if (v.is_int64() && v.get_int64() >= 0) return static_cast<std::uint64_t>(v.get_int64());
    if (v.is_double()) {
      const double d = v.get_double();
      if (d >= 0 && d < 1.8e19 && d == std::trunc(d)) return static_cast<std::uint64_t>(d);
    }
    return invalid(keyword, kp, std::string(keyword) + " must be a non-negative integer");
  }

  static Result<std::uint8_t> type_bit(const boost::json::value& v, const std::string& kp) {
    if (v.is_string())
      for (const auto& [name, bit] : kTypeNames)
        if (v.get_string() == name) return bit;
    return invalid(
        "type", kp,
        "type must be one of object, array, string, number, integer, boolean, null (or a list of them)");
  }

  Status keyword(Node& n, std::string_view key, const boost::json::value& v, const std::string& kp,
                 int depth) {
    if (key == "type") {
      if (v.is_array()) {
        if (v.get_array().empty()) return invalid(key, kp, "type must not be an empty list");
        for (const auto& t : v.get_array()) {
          auto bit = type_bit(t, kp);
          if (!bit) return std::unexpected(std::move(bit.error()));
          if (n.types & *bit) return invalid(key, kp, "type lists a name twice");
          n.types |= *bit;
        }
        return {};
      }
      auto bit = type_bit(v, kp);
      if (!bit) return std::unexpected(std::move(bit.error()));
      n.types = *bit;
      return {};
    }
    if (key == "properties") {
      if (!v.is_object()) return invalid(key, kp, "properties must be an object of schemas");
      for (const auto& p : v.get_object()) {
        std::string pp = kp;
        append_pointer_token(pp, p.key());
        auto child = node(p.value(), pp, depth + 1);
        if (!child) return std::unexpected(std::move(child.error()));
        n.properties.push_back({std::string(p.key()), std::move(*child)});
      }
      n.property_names.clear();
      for (const auto& p : n.properties) n.property_names.push_back(p.name);
      std::sort(n.property_names.begin(), n.property_names.end());
      return {};
    }
    if (key == "required") {
      if (!v.is_array()) return invalid(key, kp, "required must be a list of property names");
      for (const auto& r : v.get_array()) {
        if (!r.is_string()) return invalid(key, kp, "required must be a list of property names");
        std::string name(r.get_string());
        if (std::find(n.required.begin(), n.required.end(), name) != n.required.end())
          return invalid(key, kp, "required lists a property twice");
        n.required.push_back(std::move(name));
      }
      return {};
    }
    if (key == "additionalProperties") {
      if (!v.is_bool()) return invalid(key, kp, "only a boolean is supported for additionalProperties");
      n.additional_allowed = v.get_bool();
      return {};
    }
    if (key == "items") {
      if (v.is_array()) return invalid(key, kp, "only a single schema is supported for items");
      auto child = node(v, kp, depth + 1);
      if (!child) return std::unexpected(std::move(child.error()));
      n.items = std::move(*child);
      return {};
    }
    if (key == "enum") {
      if (!v.is_array() || v.get_array().empty()) return invalid(key, kp, "enum must be a non-empty list");
      n.enum_values = v.get_array();
      return {};
    }
    if (key == "const") {
      n.const_value = v;
      return {};
    }
    if (key == "minLength" || key == "maxLength" || key == "minItems" || key == "maxItems") {
      auto x = non_negative(key, v, kp);
      if (!x) return std::unexpected(std::move(x.error()));
      (key == "minLength"   ? n.min_length
       : key == "maxLength" ? n.max_length
       : key == "minItems"  ? n.min_items
                            : n.max_items) = *x;
      return {};
    }
    if (key == "minimum" || key == "maximum" || key == "exclusiveMinimum" || key == "exclusiveMaximum") {
      if (!v.is_number()) return invalid(key, kp, std::string(key) + " must be a number");
      (key == "minimum"            ? n.minimum
       : key == "maximum"          ? n.maximum
       : key == "exclusiveMinimum" ? n.exclusive_minimum
                                   : n.exclusive_maximum) = v;
      return {};
    }
    if (key == "pattern") return pattern(n, v, kp);
    if (std::find(kAnnotations.begin(), kAnnotations.end(), key) != kAnnotations.end()) return {};
    std::string shown(key.substr(0, 64));
    return invalid(key.substr(0, 64), kp, "unsupported schema keyword '" + shown + "'");
  }

  static Status pattern(Node& n, const boost::json::value& v, const std::string& kp) {
    if (!v.is_string()) return invalid("pattern", kp, "pattern must be a string");
    const std::string src(v.get_string());
    if (src.size() > kMaxPatternBytes)
      return invalid("pattern", kp, "pattern is longer than " + std::to_string(kMaxPatternBytes) + " bytes");
    // RE2: matching time is linear in the input whatever the pattern
    // (ecma_regex.hpp lists what is translated and what is refused).
    auto re = compile_ecma_pattern(src);
    if (!re) return invalid("pattern", kp, re.error());
    n.pattern = std::move(*re);
    n.pattern_source = src;
    return {};
  }
};

// ---------------------------------------------------------------- validation

bool is_integral(const boost::json::value& v) {
  if (v.is_int64() || v.is_uint64()) return true;
  if (!v.is_double()) return false;
  const double d = v.get_double();
  return std::isfinite(d) && d == std::trunc(d);
}

std::uint8_t type_of(const boost::json::value& v) {
  switch (v.kind()) {
    case boost::json::kind::null:
      return kNull;
    case boost::json::kind::bool_:
      return kBoolean;
    case boost::json::kind::object:
      return kObject;
    case boost::json::kind::array:
      return kArray;
    case boost::json::kind::string:
      return kString;
    default:
      return is_integral(v) ? (kNumber | kInteger) : kNumber;
  }
}

std::string_view type_name(const boost::json::value& v) {
  switch (v.kind()) {
    case boost::json::kind::null:
      return "null";
    case boost::json::kind::bool_:
      return "boolean";
    case boost::json::kind::object:
      return "object";
    case boost::json::kind::array:
      return "array";
    case boost::json::kind::string:
      return "string";
    default:
      return is_integral(v) ? "integer" : "number";
  }
}

/// Exact for every int64/uint64/double: long double has a 64-bit mantissa
/// on x86-64; elsewhere integers beyond 2^53 compare approximately.
long double as_long_double(const boost::json::value& v) {
  if (v.is_int64()) return static_cast<long double>(v.get_int64());
  if (v.is_uint64()) return static_cast<long double>(v.get_uint64());
  return static_cast<long double>(v.get_double());
}

/// Unordered when either side is NaN (Boost.JSON 1.81 parses e.g. 0e400 as
/// NaN): such a value then fails every bound and equals nothing.
std::partial_ordering compare_numbers(const boost::json::value& a, const boost::json::value& b) {
  return as_long_double(a) <=> as_long_double(b);
}

/// JSON equality as JSON Schema defines it (1 == 1.0).
bool json_equal(const boost::json::value& a, const boost::json::value& b) {
  if (a.is_number() && b.is_number()) return compare_numbers(a, b) == std::partial_ordering::equivalent;
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case boost::json::kind::array: {
      const auto &x = a.get_array(), &y = b.get_array();
      if (x.size() != y.size()) return false;
      for (std::size_t i = 0; i < x.size(); ++i)
        if (!json_equal(x[i], y[i])) return false;
      return true;
    }
    case boost::json::kind::object: {
      const auto &x = a.get_object(), &y = b.get_object();
      if (x.size() != y.size()) return false;
      for (const auto& kv : x) {
        auto it = y.find(kv.key());
        if (it == y.end() || !json_equal(kv.value(), it->value())) return false;
      }
      return true;
    }
    default:
      return a == b;
  }
}

/// Code points of UTF-8 text = bytes that are not continuation bytes
/// (10xxxxxx), counted eight at a time in byte lanes.
std::size_t code_points(std::string_view s) {
  constexpr std::uint64_t kHigh = 0x8080808080808080ULL;
  constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
  std::size_t continuation = 0, i = 0;
  while (i + 8 <= s.size()) {
    std::uint64_t lanes = 0;  // each byte lane counts up to 255
    for (int k = 0; k < 255 && i + 8 <= s.size(); ++k, i += 8) {
      std::uint64_t w;
      std::memcpy(&w, s.data() + i, 8);
      lanes += (w & ~(w << 1) & kHigh) >> 7;
    }
    continuation += static_cast<std::size_t>((lanes * kOnes) >> 56);
  }
  for (; i < s.size(); ++i) continuation += (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80;
  return s.size() - continuation;
}

std::string number_text(const boost::json::value& v) {
  if (!v.is_double()) return boost::json::serialize(v);
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v.get_double());  // shortest round-trip form
  return std::string(buf, r.ptr);
}

std::string type_list(std::uint8_t mask) {
  std::string out;
  for (const auto& [name, bit] : kTypeNames)
    if (mask & bit) {
      if (!out.empty()) out += " or ";
      out += name;
    }
  return out;
}

struct Segment {
  std::string_view key;
  std::size_t index;
  bool is_index;
};

constexpr std::size_t kMaxFieldBytes = 256;

class Validator {
 public:
  explicit Validator(const Cancellation* cancel) : cancel_(cancel, kCheckEvery) {}

  Status check(const Node& n, const boost::json::value& v) {
    if (auto c = cancel_.tick(); !c) return c;
    if (n.constant) {
      if (*n.constant) return {};
      return failure("false", "no value is allowed here");
    }
    if (n.types) {
      const std::uint8_t t = type_of(v);
      if (!(n.types & t))
        return failure("type", "expected " + type_list(n.types) + ", got " + std::string(type_name(v)));
    }
    if (n.enum_values) {
      const auto& options = *n.enum_values;
      if (std::none_of(options.begin(), options.end(), [&](const auto& o) { return json_equal(o, v); }))
        return failure("enum", "value is not one of the allowed values");
    }
    if (n.const_value && !json_equal(*n.const_value, v))
      return failure("const", "value does not equal the required constant");
    switch (v.kind()) {
      case boost::json::kind::string:
        return check_string(n, v.get_string());
      case boost::json::kind::array:
        return check_array(n, v.get_array());
      case boost::json::kind::object:
        return check_object(n, v.get_object());
      case boost::json::kind::int64:
      case boost::json::kind::uint64:
      case boost::json::kind::double_:
        return check_number(n, v);
      default:
        return {};
    }
  }

 private:
  Status check_string(const Node& n, std::string_view s) {
    if (n.min_length || n.max_length) {
      const std::size_t len = code_points(s);
      if (n.min_length && len < *n.min_length)
        return failure("minLength",
                       "string is shorter than " + std::to_string(*n.min_length) + " characters");
      if (n.max_length && len > *n.max_length)
        return failure("maxLength", "string is longer than " + std::to_string(*n.max_length) + " characters");
    }
    if (n.pattern) {
      // One search cannot be interrupted: check before searching a long string.
      if (auto c = cancel_.tick(s.size() / 256); !c) return c;
      if (!pattern_search(*n.pattern, s))
        return failure("pattern", "string does not match the pattern " + n.pattern_source);
    }
    return {};
  }

  Status check_number(const Node& n, const boost::json::value& v) {
    // Written as "not (allowed)" so that an unordered comparison fails.
    if (n.minimum && !(compare_numbers(v, *n.minimum) >= 0))
      return failure("minimum", "must be >= " + number_text(*n.minimum));
    if (n.exclusive_minimum && !(compare_numbers(v, *n.exclusive_minimum) > 0))
      return failure("exclusiveMinimum", "must be > " + number_text(*n.exclusive_minimum));
    if (n.maximum && !(compare_numbers(v, *n.maximum) <= 0))
      return failure("maximum", "must be <= " + number_text(*n.maximum));
    if (n.exclusive_maximum && !(compare_numbers(v, *n.exclusive_maximum) < 0))
      return failure("exclusiveMaximum", "must be < " + number_text(*n.exclusive_maximum));
    return {};
  }

  Status check_array(const Node& n, const boost::json::array& a) {
    if (n.min_items && a.size() < *n.min_items)
      return failure("minItems", "array has fewer than " + std::to_string(*n.min_items) + " items");
    if (n.max_items && a.size() > *n.max_items)
      return failure("maxItems", "array has more than " + std::to_string(*n.max_items) + " items");
    if (n.items) {
      for (std::size_t i = 0; i < a.size(); ++i) {
        push({{}, i, true});
        if (auto s = check(*n.items, a[i]); !s) return s;
        pop();
      }
    }
    return {};
  }

  Status check_object(const Node& n, const boost::json::object& o) {
    for (const auto& name : n.required) {
      if (!o.contains(name)) {
        push({name, 0, false});
        return failure("required", "required property is missing");
      }
    }
    for (const auto& p : n.properties) {
      auto it = o.find(p.name);
      if (it == o.end()) continue;
      push({p.name, 0, false});
      if (auto s = check(*p.schema, it->value()); !s) return s;
      pop();
    }
    if (!n.additional_allowed) {
      for (const auto& kv : o) {
        if (!std::binary_search(n.property_names.begin(), n.property_names.end(), kv.key())) {
          push({kv.key(), 0, false});
          return failure("additionalProperties", "property is not allowed by the schema");
        }
      }
    }
    return {};
  }

  std::string pointer() const {
    std::string out;
    for (std::size_t i = 0; i < depth_; ++i) {
      const Segment& s = path_[i];
      if (s.is_index)
        out += "/" + std::to_string(s.index);
      else
        append_pointer_token(out, s.key);
      if (out.size() > kMaxFieldBytes) break;
    }
    if (out.size() > kMaxFieldBytes) {
      std::size_t cut = kMaxFieldBytes;
      while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut;
      out.resize(cut);
      out += "...";
    }
    return out;
  }

  std::unexpected<Error> failure(std::string_view keyword, std::string reason) {
    std::string field = pointer();
    std::string where = field.empty() ? std::string("the record root") : "'" + field + "'";
    std::string message = "record does not match the dataset schema at " + where + ": " + reason;
    return fail(ErrorKind::SchemaValidation, std::move(message),
                {{"field", field}, {"reason", reason}, {"keyword", keyword}});
  }

  // Each level of the path is one level of schema nesting, so the compile
  // depth limit bounds it.
  void push(Segment s) { path_[depth_++] = s; }
  void pop() { --depth_; }

  /// Work units between two cancellation checks: one per value visited,
  /// one per 256 bytes of string searched with a pattern.
  static constexpr std::uint64_t kCheckEvery = 4096;

  std::array<Segment, kMaxSchemaDepth + 2> path_;
  std::size_t depth_ = 0;
  CancellationCheck cancel_;
};

}  // namespace
}  // namespace schema_detail

Result<JsonSchema> JsonSchema::compile(const boost::json::value& schema) {
  schema_detail::Compiler c;
  auto root = c.node(schema, "", 0);
  if (!root) return std::unexpected(std::move(root.error()));
  return JsonSchema(std::shared_ptr<const schema_detail::Node>(std::move(*root)));
}

Status JsonSchema::validate(const boost::json::value& instance, const Cancellation* cancel) const {
  schema_detail::Validator v(cancel);
  return v.check(*root_, instance);
}

}  // namespace vault::domain
