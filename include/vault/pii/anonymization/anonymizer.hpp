#pragma once
/// Applies a Policy to scanner findings: rewrites text spans and JSON values.
///
/// Operators and their contract (parameters in policy.hpp):
///  - keep: value unchanged.           - redact: span removed.
///  - replace: "<ENTITY>" or a value.  - mask: characters replaced by a char.
///  - hash: hex HMAC-SHA256(hmac_key, value), optionally truncated; equal
///    values give equal hashes under one key, whatever the entity.
///  - pseudonymize: deterministic realistic fake (fakes.hpp), keyed by the
///    tenant's hmac_key: consistent within a tenant, different across tenants.
///  - tokenize: TokenStore::tokenize → "tok_<entity>_<random>"; reversible.
///  - fpe: FF3-1 (ff3.hpp) over the ASCII digits of the value (6..56 of them),
///    non-digits stay in place; key = fpe_key, tweak from the spec or derived
///    from the entity name; reversible.
///  - generalize: date → year / year-month, age → band, postcode → prefix,
///    IPv4 → /24, IPv6 → /48 (configurable).
///  - encrypt: AES-256-GCM under aead_key, "enc:v1:<key_id>:<base64url(sealed)>",
///    AAD bound to the tenant id; random nonce, so two encryptions differ.
///
/// Failures: a missing key / TokenStore for an operator that needs it is
/// ErrorKind::Configuration and fails the whole call (nothing is returned
/// half-anonymized). A value an operator cannot handle (fpe on fewer than 6
/// digits, generalize on an unparsable date, ...) fails `apply_operator`
/// with Validation; inside anonymize_text/anonymize_json that one span falls
/// back to "<ENTITY>" and is counted with status "fallback" — PII never
/// passes through unchanged because an operator failed.
///
/// Thread-safety: all functions are reentrant; the TokenStore implementation
/// decides its own thread-safety (InMemoryTokenStore is thread-safe).
#include "vault/core/error.hpp"
#include "vault/crypto/secure_bytes.hpp"
#include "vault/pii/detection/finding.hpp"
#include "vault/pii/anonymization/policy.hpp"

#include <boost/json/value.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <vector>

namespace vault::pii {

/// Per-tenant secret material. Never logged.
struct AnonymizerKeys {
  crypto::SecureBytes hmac_key;  ///< hash + pseudonymize (32 bytes)
  crypto::SecureBytes fpe_key;   ///< FF3-1 AES key (16, 24 or 32 bytes)
  crypto::SecureBytes aead_key;  ///< encrypt (32 bytes, AES-256-GCM)
  std::string aead_key_id;       ///< goes into "enc:v1:<key_id>:..."; [A-Za-z0-9_.-]{1,64}

  AnonymizerKeys clone() const;
};

/// HKDF-SHA256 (OpenSSL EVP_KDF) of `master` (>= 16 bytes, normally 32) with
/// salt "vault-anonymizer-v1" and info "<purpose>|<tenant_id>": one secret
/// yields independent hmac/fpe (AES-256)/aead keys per tenant. The key id is
/// "ak-" + 16 hex chars of a further HKDF output (identifies master+tenant
/// without revealing either). Validation if master is too short;
/// EncryptionOperation if OpenSSL fails.
Result<AnonymizerKeys> derive_anonymizer_keys(crypto::ByteView master, std::string_view tenant_id);

/// Reversible tokenization backend. The server provides a persistent,
/// encrypted implementation; InMemoryTokenStore is for tests and the CLI.
class TokenStore {
 public:
  virtual ~TokenStore() = default;
  /// Returns a token "tok_<entity>_<random>" standing for `original` within
  /// `tenant_id`. Implementations should return the same token for the
  /// same (tenant, entity, original) so joins survive tokenization.
  virtual Result<std::string> tokenize(std::string_view tenant_id, std::string_view entity,
                                       std::string_view original) = 0;
  /// The original behind `token` for `tenant_id`; ResourceNotFound if the
  /// token is unknown to that tenant (tokens never cross tenants).
  virtual Result<std::string> detokenize(std::string_view tenant_id, std::string_view token) = 0;
};

/// A fresh random token "tok_<entity>_<22 base32 chars>" (entity lower-cased).
std::string make_token(std::string_view entity);
/// Does `s` look like a token made by make_token?
bool looks_like_token(std::string_view s);

/// Thread-safe in-memory TokenStore (deterministic per (tenant, entity, original)).
class InMemoryTokenStore final : public TokenStore {
 public:
  Result<std::string> tokenize(std::string_view tenant_id, std::string_view entity,
                               std::string_view original) override;
  Result<std::string> detokenize(std::string_view tenant_id, std::string_view token) override;
  std::size_t size() const;

 private:
  mutable std::mutex mu_;
  std::map<std::tuple<std::string, std::string, std::string>, std::string> forward_;
  std::map<std::pair<std::string, std::string>, std::string> backward_;  // (tenant, token) → original
};

/// Everything an operator may need besides its spec.
struct AnonymizerContext {
  const AnonymizerKeys* keys = nullptr;  ///< required by hash/pseudonymize/fpe/encrypt
  std::string tenant_id;                 ///< token store scope, encrypt AAD
  TokenStore* tokens = nullptr;          ///< required by tokenize
};

/// One metric sample: vault_anonymization_operations_total{strategy,field_type,status}.
struct OperationCount {
  std::string strategy;    ///< operator_name(...)
  std::string field_type;  ///< entity, e.g. "EMAIL_ADDRESS"
  std::string status;      ///< "success" | "fallback" | "skipped" (overlap)
  std::uint64_t count = 0;
};

/// Per-call counts (aggregated by (strategy, field_type, status)).
struct AnonymizeStats {
  std::vector<OperationCount> operations;
  std::size_t applied = 0;    ///< spans rewritten (success + fallback)
  std::size_t fallbacks = 0;  ///< spans replaced by "<ENTITY>" because the operator failed
  std::size_t skipped = 0;    ///< findings dropped (overlap with an applied span)

  void add(std::string_view strategy, std::string_view field_type, std::string_view status,
           std::uint64_t n = 1);
  void merge(const AnonymizeStats& other);
};

/// Applies one operator to one value. Validation if the value does not fit
/// the operator (see file comment), Configuration if a key/store is missing.
Result<std::string> apply_operator(std::string_view entity, std::string_view value,
                                   const OperatorSpec& spec, const AnonymizerContext& ctx);

/// Undoes tokenize (TokenStore::detokenize), fpe (FF3-1 decrypt with the same
/// spec/entity) and encrypt (decrypt_value). Validation for other operators.
Result<std::string> reverse_operator(std::string_view entity, std::string_view value,
                                     const OperatorSpec& spec, const AnonymizerContext& ctx);

/// Decrypts an "enc:v1:<key_id>:<b64url>" value produced by encrypt under
/// ctx.keys / ctx.tenant_id. DecryptionOperation on any mismatch or tamper.
Result<std::string> decrypt_value(std::string_view encrypted, const AnonymizerContext& ctx);

/// Rewrites `text`: every finding in policy scope (Policy::applies_to) is
/// replaced by operator_for(entity) applied to its byte span. Findings may be
/// unsorted and overlapping: they are taken by descending score, then longer
/// span, then earlier start; one overlapping an already chosen span is
/// skipped (counted "skipped"). Replacement runs right to left. Offsets
/// beyond the text are ignored. The policy's `action` is not consulted.
/// `stats`, when given, receives the counts (added to what it holds).
Result<std::string> anonymize_text(std::string_view text, const std::vector<Finding>& findings,
                                   const Policy& policy, const AnonymizerContext& ctx,
                                   AnonymizeStats* stats = nullptr);

/// Rewrites `doc` in place at each finding's RFC 6901 path (findings on the
/// same path are applied together, as in anonymize_text). Strings stay
/// strings. A number that was found as PII (scanned as its decimal text) is
/// replaced by a number when the anonymized text is still a plain integer of
/// the same kind without a leading zero (e.g. fpe, pseudonymize, generalize
/// to year), otherwise by a string (mask, hash, replace, tokenize, encrypt,
/// redact → ""). Paths that do not resolve, or resolve to something other than
/// a string/number, are skipped. Findings with `in_key` rewrite the member's
/// key instead (keys are data too), in place (member order kept); a new key
/// equal to a sibling's gets a stable suffix ("<PERSON>_2", "_3", ...). Keys
/// are renamed after the values, deepest first. Returns the counts.
Result<AnonymizeStats> anonymize_json(boost::json::value& doc, const std::vector<JsonFinding>& findings,
                                      const Policy& policy, const AnonymizerContext& ctx);

}  // namespace vault::pii
