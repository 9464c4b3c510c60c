// YAML configuration (custom recognizers, policies): the YAML tree is
// converted to JSON (YAML 1.2 core schema for plain scalars).
#include "vault/pii/detection/yaml_json.hpp"

#include <boost/json.hpp>
#include <yaml-cpp/yaml.h>

#include <charconv>
#include <string>

namespace vault::pii {
namespace {

boost::json::value plain_scalar(const std::string& s) {
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") return nullptr;
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;
  std::int64_t i = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), i);
  if (ec == std::errc() && p == s.data() + s.size()) return i;
  double d = 0;
  auto [q, ec2] = std::from_chars(s.data(), s.data() + s.size(), d);
  if (ec2 == std::errc() && q == s.data() + s.size()) return d;
  return boost::json::string(s);
}

// Limits against alias expansion bombs ("billion laughs") and deep nesting.
constexpr int kMaxDepth = 64;
constexpr std::size_t kMaxNodes = 100000;

Result<boost::json::value> to_json(const YAML::Node& n, int depth, std::size_t& budget) {
  if (depth > kMaxDepth) return fail(ErrorKind::Validation, "policy YAML is nested too deeply", {{"field", "policy"}});
  if (budget == 0) return fail(ErrorKind::Validation, "policy YAML is too large", {{"field", "policy"}});
  --budget;
  switch (n.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      return boost::json::value(nullptr);
    case YAML::NodeType::Scalar:
      // Quoted scalars carry the non-specific tag "!": always strings.
      if (n.Tag() == "!") return boost::json::value(boost::json::string(n.Scalar()));
      return plain_scalar(n.Scalar());
    case YAML::NodeType::Sequence: {
      boost::json::array a;
      for (const auto& item : n) {
        auto v = to_json(item, depth + 1, budget);
        if (!v) return v;
        a.push_back(std::move(*v));
      }
      return boost::json::value(std::move(a));
    }
    case YAML::NodeType::Map: {
      boost::json::object o;
      for (const auto& kv : n) {
        if (!kv.first.IsScalar())
          return fail(ErrorKind::Validation, "policy YAML keys must be scalars", {{"field", "policy"}});
        auto v = to_json(kv.second, depth + 1, budget);
        if (!v) return v;
        o[kv.first.Scalar()] = std::move(*v);
      }
      return boost::json::value(std::move(o));
    }
  }
  return boost::json::value(nullptr);
}

}  // namespace

Result<boost::json::value> yaml_to_json(std::string_view text, std::string_view what) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    return fail(ErrorKind::Validation,
                std::string(what) + " is not valid YAML (line " + std::to_string(e.mark.line + 1) + ")",
                {{"field", std::string(what)}});
  }
  std::size_t budget = kMaxNodes;
  return to_json(root, 0, budget);
}

}  // namespace vault::pii
