#include "cli/anonymize_setup.hpp"

#include "cli/context.hpp"
#include "vault/crypto/stream_cipher.hpp"

#include <sys/stat.h>

#include <boost/json/parse.hpp>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <cctype>

namespace vault::cli::anon {
namespace {

constexpr std::size_t kMaxPolicyFile = 1 << 20;
constexpr std::size_t kMaxKeyFile = 64 * 1024;

bool ends_with(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::expected<std::string, std::string> read_file(const std::string& path, std::size_t limit) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::unexpected("cannot read " + path + ": " + std::strerror(errno));
  std::string s(limit + 1, '\0');
  in.read(s.data(), static_cast<std::streamsize>(s.size()));
  if (in.bad()) return std::unexpected("cannot read " + path + ": " + std::strerror(errno));
  s.resize(static_cast<std::size_t>(in.gcount()));
  if (s.size() > limit) return std::unexpected(path + " is too large");
  return s;
}

void wipe(std::string& s) {
  volatile char* p = s.data();
  for (std::size_t i = 0; i < s.size(); ++i) p[i] = 0;
  s.clear();
}

/// Parameters that are always strings (a tweak of 14 digits must not become a number).
bool string_param(std::string_view key) { return key == "value" || key == "char" || key == "tweak" || key == "to"; }

std::expected<pii::OperatorSpec, std::string> strategy_spec(const PolicyOptions& o) {
  if (!pii::parse_operator_kind(o.strategy)) {
    return std::unexpected("unknown --strategy " + o.strategy +
                           " (keep, redact, replace, mask, hash, pseudonymize, fpe, generalize, encrypt)");
  }
  boost::json::object obj{{"operator", o.strategy}};
  for (const auto& p : o.params) {
    auto eq = p.find('=');
    if (eq == std::string::npos || eq == 0) return std::unexpected("--param " + p + ": expected KEY=VALUE");
    std::string key = p.substr(0, eq), value = p.substr(eq + 1);
    boost::system::error_code ec;
    boost::json::value v;
    if (!string_param(key)) v = boost::json::parse(value, ec);
    if (string_param(key) || ec || !(v.is_number() || v.is_bool())) v = boost::json::string(value);
    obj[key] = std::move(v);
  }
  auto spec = pii::parse_operator_spec(obj, "--param");
  if (!spec) return std::unexpected(spec.error().message());
  return *spec;
}

}  // namespace

std::expected<pii::Policy, std::string> build_policy(const PolicyOptions& o,
                                                     const std::vector<std::string>& known_entities) {
  pii::Policy policy;
  if (!o.policy_file.empty()) {
    auto text = read_file(o.policy_file, kMaxPolicyFile);
    if (!text) return std::unexpected(text.error());
    auto parsed = ends_with(o.policy_file, ".json") ? pii::parse_policy_json(*text) : pii::parse_policy_yaml(*text);
    if (!parsed) return std::unexpected(o.policy_file + ": " + parsed.error().message());
    policy = std::move(*parsed);
  }
  std::optional<pii::OperatorSpec> every;
  if (!o.strategy.empty()) {
    auto spec = strategy_spec(o);
    if (!spec) return std::unexpected(spec.error());
    every = *spec;
  } else if (!o.params.empty()) {
    return std::unexpected("--param needs --strategy");
  }
  if (!o.operator_json.empty()) {
    auto v = read_json_arg(o.operator_json);
    if (!v) return std::unexpected("--operator: " + v.error());
    auto spec = pii::parse_operator_spec(*v, "--operator");
    if (!spec) return std::unexpected(spec.error().message());
    every = *spec;
  }
  if (every) {
    policy.default_operator = *every;
    policy.rules.clear();
  }
  if (!o.entities.empty()) {
    for (const auto& e : o.entities) {
      if (!std::binary_search(known_entities.begin(), known_entities.end(), e)) {
        std::string all;
        for (const auto& k : known_entities) all += (all.empty() ? "" : ",") + k;
        return std::unexpected("unknown entity " + e + " (known: " + all + ")");
      }
    }
    policy.entities = o.entities;
  }
  if (o.min_confidence) policy.min_confidence = *o.min_confidence;
  return policy;
}

std::optional<std::string> check_operators(const pii::Policy& policy, bool& needs_keys) {
  needs_keys = false;
  if (policy.action == pii::PolicyAction::Reject) return std::nullopt;
  auto check = [&](const std::string& where, const pii::OperatorSpec& s) -> std::optional<std::string> {
    using K = pii::OperatorKind;
    if (s.kind == K::Tokenize)
      return "the tokenize operator (" + where +
             ") is not available offline: tokens live in the server's token vault, so only the server can "
             "issue and reverse them (use POST /api/v1/pii/anonymize, or fpe/encrypt for reversible offline "
             "output)";
    if (s.kind == K::Hash || s.kind == K::Pseudonymize || s.kind == K::Fpe || s.kind == K::Encrypt)
      needs_keys = true;
    return std::nullopt;
  };
  if (auto e = check("default", policy.default_operator)) return e;
  for (const auto& [entity, spec] : policy.rules)
    if (auto e = check("rules." + entity, spec)) return e;
  return std::nullopt;
}

std::expected<pii::AnonymizerKeys, std::string> load_keys(const std::string& key_file, const std::string& scope) {
  std::string text;
  std::string source;
  if (!key_file.empty()) {
    auto t = read_file(key_file, kMaxKeyFile);
    if (!t) return std::unexpected(t.error());
    text = std::move(*t);
    source = key_file;
    struct stat st {};
    if (::stat(key_file.c_str(), &st) == 0 && (st.st_mode & 0077) != 0)
      std::cerr << "warning: key file " << key_file << " is accessible by group or others (chmod 600)\n";
  } else if (const char* env = std::getenv(kKeyEnv); env && *env) {
    text = env;
    source = kKeyEnv;
    bool hex = text.size() == 64 && std::all_of(text.begin(), text.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; });
    if (!hex) {
      wipe(text);
      return std::unexpected(std::string(kKeyEnv) + " must hold 64 hex digits (a 256-bit key)");
    }
  } else {
    return std::unexpected(
        "the chosen operators (hash, pseudonymize, fpe, encrypt) need a key: give --key-file FILE "
        "(make one with `vault keygen -o FILE`) or set " + std::string(kKeyEnv) + " to 64 hex digits");
  }
  auto key = crypto::stream::parse_key_file(text);
  wipe(text);
  if (!key) return std::unexpected(source + ": " + key.error().message());
  auto keys = pii::derive_anonymizer_keys(crypto::ByteView(key->bytes().data(), key->bytes().size()), scope);
  if (!keys) return std::unexpected("cannot derive the anonymizer keys: " + keys.error().message());
  return std::move(*keys);
}

}  // namespace vault::cli::anon
