#pragma once
/// Option handling of `vault anonymize`: the effective policy (a policy
/// file, an operator for every entity, entity/confidence overrides) and the
/// anonymizer keys (a `vault keygen` key file or VAULT_ANONYMIZE_KEY, derived
/// per scope). Every failure is a message for a usage error (exit 2); no
/// message contains key material.
#include "vault/pii/anonymization/anonymizer.hpp"
#include "vault/pii/anonymization/policy.hpp"

#include <expected>
#include <optional>
#include <string>
#include <vector>

namespace vault::cli::anon {

struct PolicyOptions {
  std::string policy_file;                 ///< .json = JSON, anything else YAML (JSON is YAML too)
  std::string strategy;                    ///< operator name for every entity
  std::vector<std::string> params;         ///< "key=value" parameters of `strategy`
  std::string operator_json;               ///< {"operator": ...} for every entity (inline, @FILE)
  std::vector<std::string> entities;       ///< overrides the policy's list when not empty
  std::optional<double> min_confidence;    ///< overrides the policy's
};

/// The policy to apply. Defaults: action flag (= anonymize), replace for
/// every entity, min_confidence 0.5. `known_entities` (sorted) checks --entities.
std::expected<pii::Policy, std::string> build_policy(const PolicyOptions& o,
                                                     const std::vector<std::string>& known_entities);

/// Operators of the policy that cannot run offline or need keys: an error
/// for tokenize; `needs_keys` set for hash, pseudonymize, fpe and encrypt.
/// A reject policy applies no operator.
std::optional<std::string> check_operators(const pii::Policy& policy, bool& needs_keys);

/// Name of the environment variable holding a 64-hex-digit master key.
inline constexpr const char* kKeyEnv = "VAULT_ANONYMIZE_KEY";

/// The master key from `key_file` (as written by `vault keygen`) or, when
/// empty, from $VAULT_ANONYMIZE_KEY; the keys derived for `scope`.
std::expected<pii::AnonymizerKeys, std::string> load_keys(const std::string& key_file, const std::string& scope);

}  // namespace vault::cli::anon
