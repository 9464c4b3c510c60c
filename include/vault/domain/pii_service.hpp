#pragma once
/// PII on the server: the dataset policy applied on every record write (the
/// RecordInspector seam), anonymized read views, and the /api/v1/pii
/// operations (detect, anonymize, detokenize).
///
/// Write path (inspect): the record is scanned with the policy's entities
/// and min_confidence; when something is found the policy's action decides:
///   flag        store as is, with the findings summary;
///   quarantine  store, with the summary, hidden from normal reads/exports;
///   reject      BusinessRuleViolation naming the entities and JSON paths;
///   anonymize   store only the anonymized record (operators per entity).
/// The findings summary is JSON of entity counts and JSON paths, never values:
///   {"total":2,"entities":{"EMAIL_ADDRESS":{"count":1,"paths":["/email"]},...}}
///
/// Keys: hash/pseudonymize/fpe/encrypt/tokenize use per-tenant keys from
/// the KeySource (the server derives them from a tenant key wrapped by the
/// tenant's KEK); they are cached per tenant in memory.
#include "vault/core/clock.hpp"
#include "vault/core/error.hpp"
#include "vault/domain/key_events.hpp"
#include "vault/domain/seams.hpp"
#include "vault/pii/anonymization/anonymizer.hpp"
#include "vault/pii/anonymization/policy.hpp"
#include "vault/pii/detection/scanner.hpp"
#include "vault/resilience/bulkhead.hpp"
#include "vault/storage/token_store.hpp"

#include <boost/json/value.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace vault::domain {

/// The token vault on the metadata store: one token per (tenant, entity,
/// value) — looked up by a keyed hash of the value — with the value sealed
/// under the tenant's anonymization key (encrypt operator, AAD = tenant).
class StoredTokenVault final : public pii::TokenStore {
 public:
  using KeySource =
      std::function<Result<std::shared_ptr<const pii::AnonymizerKeys>>(const std::string& tenant_id)>;
  StoredTokenVault(storage::TokenStore& store, KeySource keys);
  Result<std::string> tokenize(std::string_view tenant_id, std::string_view entity,
                               std::string_view original) override;
  Result<std::string> detokenize(std::string_view tenant_id, std::string_view token) override;

 private:
  storage::TokenStore& store_;
  KeySource keys_;
};

struct PiiOptions {
  /// Scan records on write (false: no scanning, no findings, policies ignored).
  bool scan_on_write = true;
  /// The policy of datasets that have none (JSON text; "" = {"action":"flag"}).
  std::string default_policy_json;
  /// The pii_scanning bulkhead (spec 3.3): every scan (record writes, views,
  /// detect, anonymize) runs inside it; full → OverloadedError (503). Null =
  /// unbounded. Must outlive the service.
  resilience::Bulkhead* scan_pool = nullptr;
};

/// Observes anonymization and violations (metrics in vaultd). Labels are
/// operator and entity names only.
class PiiObserver {
 public:
  virtual ~PiiObserver() = default;
  virtual void on_anonymized(const pii::AnonymizeStats& stats, double seconds) = 0;
  /// A write refused or quarantined by policy: type = entity, severity by action.
  virtual void on_violation(std::string_view entity, std::string_view severity) = 0;
};

class PiiService final : public RecordInspector, public RecordViewer {
 public:
  using KeySource = StoredTokenVault::KeySource;

  /// Fails with Validation if `options.default_policy_json` is invalid.
  /// Drops a tenant's cached keys when `events` says it was purged.
  static Result<std::unique_ptr<PiiService>> create(std::shared_ptr<const pii::Scanner> scanner,
                                                    storage::TokenStore& store, KeySource keys,
                                                    KeyEvents& events, PiiOptions options,
                                                    PiiObserver* observer = nullptr,
                                                    const Clock& clock = system_clock());

  // ---- RecordInspector
  Result<Inspection> inspect(const storage::Dataset& dataset, const boost::json::value& record,
                             std::string& payload) override;

  /// The effective policy of a dataset (its own or the default), cached by (id, etag).
  Result<std::shared_ptr<const pii::Policy>> policy_of(const storage::Dataset& d);
  /// Validates a policy given by a client and returns its canonical JSON text.
  static Result<std::string> canonical_policy(const boost::json::value& v);
  const pii::Policy& default_policy() const { return *default_policy_; }

  /// The dataset's anonymized view of one stored payload (a JSON object
  /// text): scanned and rewritten with the dataset policy's operators. A
  /// dataset whose action is `anonymize` already stores anonymized records:
  /// the payload is returned unchanged.
  Result<std::string> anonymized_view(const storage::Dataset& d, std::string_view payload) override;

  // ---- /api/v1/pii
  Result<std::vector<pii::Finding>> detect_text(std::string_view text, const pii::ScanOptions& o) const;
  Result<std::vector<pii::JsonFinding>> detect_json(const boost::json::value& v, const pii::ScanOptions& o) const;
  Result<std::string> anonymize_text(const std::string& tenant_id, std::string_view text,
                                     const pii::Policy& policy, pii::AnonymizeStats* stats = nullptr);
  /// Rewrites `doc` in place; returns the findings that were anonymized.
  Result<std::vector<pii::JsonFinding>> anonymize_json(const std::string& tenant_id, boost::json::value& doc,
                                                       const pii::Policy& policy,
                                                       pii::AnonymizeStats* stats = nullptr);
  /// The original behind a token of the tenant (ResourceNotFound otherwise).
  Result<std::string> detokenize(const std::string& tenant_id, std::string_view token);
  /// Drops a tenant's cached keys (tenant purge).
  void forget_tenant(const std::string& tenant_id);
  /// Entities the scanner reports, sorted.
  std::vector<std::string> entities() const { return scanner_->entities(); }

  /// Builds the findings summary JSON: per entity a count, "paths" of the
  /// values holding it and, when keys hold it, "key_paths" of those members
  /// (at most 20 of each, each through finding_path).
  static std::string summarize(const std::vector<pii::JsonFinding>& findings,
                               const pii::Scanner* scanner = nullptr);
  /// A JSON pointer fit to store and report: object keys are data too, so a
  /// segment longer than 64 bytes or in which `scanner` finds PII becomes "*"
  /// (e.g. "/users/jane@example.com/ssn" → "/users/*/ssn").
  static std::string safe_path(std::string_view path, const pii::Scanner* scanner);
  /// safe_path of a finding; for a finding in a key, that key's token is "*".
  static std::string finding_path(const pii::JsonFinding& f, const pii::Scanner* scanner);

 private:
  PiiService(std::shared_ptr<const pii::Scanner> scanner, storage::TokenStore& store, KeySource keys,
             KeyEvents& events, PiiOptions options, std::shared_ptr<const pii::Policy> default_policy,
             PiiObserver* observer, const Clock& clock);
  Result<pii::AnonymizerContext> context_for(const std::string& tenant_id,
                                             std::shared_ptr<const pii::AnonymizerKeys>& hold);
  Result<std::shared_ptr<const pii::AnonymizerKeys>> keys_for(const std::string& tenant_id);
  /// A slot of the scan_pool bulkhead (none when there is no pool), waited
  /// for at most its timeout and the thread's request deadline.
  Result<std::optional<resilience::Bulkhead::Permit>> scan_slot() const;

  std::shared_ptr<const pii::Scanner> scanner_;
  KeySource keys_;
  PiiOptions options_;
  std::shared_ptr<const pii::Policy> default_policy_;
  PiiObserver* observer_;
  StoredTokenVault tokens_;

  std::mutex mu_;
  std::unordered_map<std::string, std::pair<std::int64_t, std::shared_ptr<const pii::Policy>>> policies_;
  struct CachedKeys {
    std::shared_ptr<const pii::AnonymizerKeys> keys;
    Clock::steady_time expires;
  };
  std::unordered_map<std::string, CachedKeys> keys_cache_;  ///< by tenant, 10 min TTL of clock_
  const Clock& clock_;
  KeyEvents::Subscription tenant_purged_;  ///< last: end before the rest goes
  KeyEvents::Subscription all_changed_;
};

}  // namespace vault::domain
