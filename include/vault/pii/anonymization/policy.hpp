#pragma once
/// Anonymization policies: what to do with PII found in a record, and how
/// each entity type is transformed.
///
/// JSON and YAML share one structure (YAML is converted to JSON first):
///
///   {"action": "flag|quarantine|reject|anonymize",     // default "flag"
///    "min_confidence": 0.5,                            // [0,1], default 0.5
///    "entities": ["EMAIL_ADDRESS", ...],               // optional; empty/absent = all
///    "default": {"operator": "replace"},               // default {"operator":"replace"}
///    "rules": {"EMAIL_ADDRESS": {"operator": "pseudonymize"},
///              "CREDIT_CARD": {"operator": "mask", "keep_last": 4, "char": "*"},
///              "US_SSN": {"operator": "fpe"},
///              "DATE_TIME": {"operator": "generalize", "to": "year"}}}
///
/// Operator objects ("operator" is required; every other key must be a
/// parameter of that operator, unknown keys are rejected):
///
///   keep          -
///   redact        -                                   (span removed)
///   replace       "value": string                     (default "<ENTITY_TYPE>")
///   mask          "char": one character (default "*"),
///                 "keep_last": n  (default: 4 when the value is mostly digits, else 0),
///                 "keep_first": n (default 0),
///                 "chars_to_mask": n (default: all that are not kept),
///                 "from_end": bool (default false: masking starts at the front),
///                 "mask_separators": bool (default false: only letters, digits and
///                                    non-ASCII characters are masked; '-', '@', '.' ... stay);
///                 when keep_first + keep_last would cover every maskable character,
///                 everything is masked (a short value is never shown whole)
///   hash          "length": n hex chars, 8..64 (default 64)     HMAC-SHA256, hex
///   pseudonymize  -                                   (keyed, realistic fake)
///   tokenize      -                                   (reversible via a TokenStore)
///   fpe           "tweak": 14 hex digits (56 bits; default derived from the entity)
///   generalize    "to": "auto|year|year_month|age_band|prefix|network" (default "auto"),
///                 "prefix_length": n (default 3), "band_width": n (default 10),
///                 "ipv4_prefix": 0..32 (default 24), "ipv6_prefix": 0..128 (default 48)
///   encrypt       -                                   (AES-256-GCM, "enc:v1:<keyid>:<b64url>")
///
/// Every parse failure is ErrorKind::Validation with a message naming the
/// offending field (e.g. "rules.CREDIT_CARD.keep_last must be a non-negative
/// integer"); messages never contain record data.
#include "vault/core/error.hpp"
#include "vault/pii/detection/finding.hpp"

#include <boost/json/value.hpp>

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vault::pii {

enum class OperatorKind {
  Keep,
  Redact,
  Replace,
  Mask,
  Hash,
  Pseudonymize,
  Tokenize,
  Fpe,
  Generalize,
  Encrypt,
};

/// "keep", "redact", "replace", "mask", "hash", "pseudonymize", "tokenize",
/// "fpe", "generalize", "encrypt" (also the `strategy` metric label).
std::string_view operator_name(OperatorKind kind);
/// Inverse of operator_name (exact, lower-case).
std::optional<OperatorKind> parse_operator_kind(std::string_view name);
/// True for tokenize, fpe and encrypt (the ones `reverse_operator` undoes).
bool is_reversible(OperatorKind kind);

/// What `generalize` reduces a value to.
enum class GeneralizeTo {
  Auto,       ///< by entity: DATE_TIME→Year, IP_ADDRESS→Network, *POSTCODE*/DE_PLZ/ZIP→Prefix,
              ///< AGE→AgeBand; otherwise by shape (date, IP, number→age band, else prefix)
  Year,       ///< a date → "1987"
  YearMonth,  ///< a date → "1987-03"
  AgeBand,    ///< an integer → "30-39" (band_width wide)
  Prefix,     ///< first prefix_length characters (code points), e.g. "SW1"
  Network,    ///< IPv4 → "a.b.c.0/24", IPv6 → "2001:db8:1::/48"
};
std::string_view generalize_name(GeneralizeTo to);

/// One operator and its parameters (see the file comment for defaults).
struct OperatorSpec {
  OperatorKind kind = OperatorKind::Replace;

  // replace
  std::optional<std::string> value;  ///< replacement text; unset = "<ENTITY_TYPE>"

  // mask
  std::string mask_char = "*";                ///< exactly one UTF-8 code point
  std::optional<std::size_t> keep_last;       ///< unset = 4 for digit-ish values, else 0
  std::size_t keep_first = 0;
  std::optional<std::size_t> chars_to_mask;   ///< unset = every maskable char not kept
  bool from_end = false;
  bool mask_separators = false;

  // hash
  std::size_t hash_length = 64;  ///< hex characters, 8..64

  // fpe
  std::optional<std::string> tweak;  ///< 14 hex digits; unset = derived from the entity

  // generalize
  GeneralizeTo generalize_to = GeneralizeTo::Auto;
  std::size_t prefix_length = 3;
  std::size_t band_width = 10;
  unsigned ipv4_prefix = 24;
  unsigned ipv6_prefix = 48;

  bool operator==(const OperatorSpec&) const = default;
};

/// What the server does with a record that contains PII.
enum class PolicyAction { Flag, Quarantine, Reject, Anonymize };
std::string_view action_name(PolicyAction action);

struct Policy {
  PolicyAction action = PolicyAction::Flag;
  double min_confidence = 0.5;
  std::vector<std::string> entities;  ///< empty = all entities
  OperatorSpec default_operator;      ///< replace
  std::map<std::string, OperatorSpec, std::less<>> rules;

  /// The rule for `entity`, or `default_operator`.
  const OperatorSpec& operator_for(std::string_view entity) const;
  /// Is `f` in scope (entity listed or list empty, score >= min_confidence)?
  bool applies_to(const Finding& f) const;
  /// Scan options matching the policy (entities, min_score).
  ScanOptions scan_options() const;
  /// Canonical JSON form (every field present); parse_policy(to_json()) == *this.
  boost::json::object to_json() const;

  bool operator==(const Policy&) const = default;
};

/// Parses a policy object. Validation error naming the bad field.
Result<Policy> parse_policy(const boost::json::value& v);
/// Parses policy JSON text (MalformedRequest-free: bad JSON is Validation too).
Result<Policy> parse_policy_json(std::string_view text);
/// Parses policy YAML text (same structure as JSON). Validation on bad YAML.
Result<Policy> parse_policy_yaml(std::string_view text);

/// Parses one operator object, e.g. {"operator":"mask","keep_last":4}.
/// `where` prefixes field names in error messages (e.g. "rules.US_SSN").
Result<OperatorSpec> parse_operator_spec(const boost::json::value& v, std::string_view where = "operator");
/// Canonical JSON of one operator (only the parameters of its kind).
boost::json::object operator_spec_to_json(const OperatorSpec& spec);

}  // namespace vault::pii
