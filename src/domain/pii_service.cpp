#include "vault/domain/pii_service.hpp"

#include "vault/core/cancellation.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <chrono>
#include <map>
#include <set>

namespace vault::domain {
namespace {

constexpr std::size_t kMaxPathsPerEntity = 20;
constexpr std::size_t kMaxPathSegment = 64;

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

std::string_view severity_of(pii::PolicyAction a) {
  switch (a) {
    case pii::PolicyAction::Reject: return "high";
    case pii::PolicyAction::Quarantine: return "medium";
    default: return "low";
  }
}

}  // namespace

Result<std::unique_ptr<PiiService>> PiiService::create(std::shared_ptr<const pii::Scanner> scanner,
                                                       storage::TokenStore& store, KeySource keys,
                                                       KeyEvents& events, PiiOptions options,
                                                       PiiObserver* observer, const Clock& clock) {
  const std::string text = options.default_policy_json.empty() ? R"({"action":"flag"})"
                                                               : options.default_policy_json;
  auto policy = pii::parse_policy_json(text);
  if (!policy) {
    return fail(ErrorKind::Configuration, "pii.default_policy is invalid: " + policy.error().message());
  }
  return std::unique_ptr<PiiService>(new PiiService(std::move(scanner), store, std::move(keys), events,
                                                    std::move(options),
                                                    std::make_shared<const pii::Policy>(std::move(*policy)),
                                                    observer, clock));
}

PiiService::PiiService(std::shared_ptr<const pii::Scanner> scanner, storage::TokenStore& store,
                       KeySource keys, KeyEvents& events, PiiOptions options,
                       std::shared_ptr<const pii::Policy> default_policy, PiiObserver* observer,
                       const Clock& clock)
    : scanner_(std::move(scanner)),
      keys_(keys),
      options_(std::move(options)),
      default_policy_(std::move(default_policy)),
      observer_(observer),
      tokens_(store, [this](const std::string& tenant) { return keys_for(tenant); }),
      clock_(clock),
      tenant_purged_(events.on_tenant_purged([this](const std::string& tenant_id) { forget_tenant(tenant_id); })),
      all_changed_(events.on_all_keys_changed([this] {
        std::lock_guard lk(mu_);
        keys_cache_.clear();
        policies_.clear();
      })) {}

Result<std::string> PiiService::canonical_policy(const boost::json::value& v) {
  auto p = pii::parse_policy(v);
  if (!p) {
    Error e = p.error();
    e.details()["field"] = "pii_policy";
    return std::unexpected(e);
  }
  return boost::json::serialize(p->to_json());
}

Result<std::shared_ptr<const pii::Policy>> PiiService::policy_of(const storage::Dataset& d) {
  if (d.pii_policy.empty()) return default_policy_;
  const std::string key = d.tenant_id + "/" + d.id;
  {
    std::lock_guard lk(mu_);
    auto it = policies_.find(key);
    if (it != policies_.end() && it->second.first == d.etag) return it->second.second;
  }
  auto p = pii::parse_policy_json(d.pii_policy);
  if (!p) return fail(ErrorKind::InternalServer, "the dataset's stored PII policy is invalid");
  auto shared = std::make_shared<const pii::Policy>(std::move(*p));
  std::lock_guard lk(mu_);
  if (policies_.size() > 10000) policies_.clear();
  policies_[key] = {d.etag, shared};
  return shared;
}

Result<std::shared_ptr<const pii::AnonymizerKeys>> PiiService::keys_for(const std::string& tenant_id) {
  if (!keys_) return fail(ErrorKind::Configuration, "no anonymization key source is configured");
  const auto now = clock_.steady_now();
  {
    std::lock_guard lk(mu_);
    auto it = keys_cache_.find(tenant_id);
    if (it != keys_cache_.end() && it->second.expires > now) return it->second.keys;
  }
  auto k = keys_(tenant_id);
  if (!k) return std::unexpected(k.error());
  std::lock_guard lk(mu_);
  if (keys_cache_.size() > 10000) keys_cache_.clear();
  keys_cache_[tenant_id] = CachedKeys{*k, now + std::chrono::minutes(10)};
  return *k;
}

void PiiService::forget_tenant(const std::string& tenant_id) {
  std::lock_guard lk(mu_);
  keys_cache_.erase(tenant_id);
  std::erase_if(policies_, [&](const auto& kv) { return kv.first.starts_with(tenant_id + "/"); });
}

Result<pii::AnonymizerContext> PiiService::context_for(const std::string& tenant_id,
                                                       std::shared_ptr<const pii::AnonymizerKeys>& hold) {
  auto k = keys_for(tenant_id);
  if (!k) return std::unexpected(k.error());
  hold = std::move(*k);
  pii::AnonymizerContext ctx;
  ctx.keys = hold.get();
  ctx.tenant_id = tenant_id;
  ctx.tokens = &tokens_;
  return ctx;
}

std::string PiiService::safe_path(std::string_view path, const pii::Scanner* scanner) {
  if (path.empty()) return "/";
  std::string out;
  std::size_t start = 1;  // after the leading '/'
  while (start <= path.size()) {
    std::size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    std::string_view seg = path.substr(start, end - start);
    out += '/';
    const bool too_long = seg.size() > kMaxPathSegment;
    if (too_long || (scanner && !scanner->scan_text(seg).empty())) out += '*';
    else out.append(seg);
    start = end + 1;
  }
  return out;
}

std::string PiiService::finding_path(const pii::JsonFinding& f, const pii::Scanner* scanner) {
  std::string p = safe_path(f.path, scanner);
  if (f.in_key) {
    // The key holds the entity: its token is never shown.
    p.resize(p.rfind('/') + 1);
    p += '*';
  }
  return p;
}

std::string PiiService::summarize(const std::vector<pii::JsonFinding>& findings, const pii::Scanner* scanner) {
  struct Seen {
    std::size_t count = 0;
    std::set<std::string> paths;      ///< values holding the entity
    std::set<std::string> key_paths;  ///< members whose key holds it
  };
  std::map<std::string, Seen> by_entity;
  for (const auto& f : findings) {
    auto& e = by_entity[f.finding.entity];
    ++e.count;
    auto& set = f.in_key ? e.key_paths : e.paths;
    if (set.size() < kMaxPathsPerEntity) set.insert(finding_path(f, scanner));
  }
  boost::json::object entities;
  for (auto& [name, e] : by_entity) {
    boost::json::array paths;
    for (const auto& p : e.paths) paths.emplace_back(p);
    boost::json::object entry{{"count", e.count}, {"paths", std::move(paths)}};
    if (!e.key_paths.empty()) {
      boost::json::array keys;
      for (const auto& p : e.key_paths) keys.emplace_back(p);
      entry["key_paths"] = std::move(keys);
    }
    entities[name] = std::move(entry);
  }
  return boost::json::serialize(
      boost::json::object{{"total", findings.size()}, {"entities", std::move(entities)}});
}

Result<std::optional<resilience::Bulkhead::Permit>> PiiService::scan_slot() const {
  std::optional<resilience::Bulkhead::Permit> none;
  if (!options_.scan_pool) return none;
  auto p = options_.scan_pool->enter(Cancellation::current_deadline());
  if (!p) return std::unexpected(p.error());
  return std::optional<resilience::Bulkhead::Permit>(std::move(*p));
}

Result<Inspection> PiiService::inspect(const storage::Dataset& dataset, const boost::json::value& record,
                                       std::string& payload) {
  if (!options_.scan_on_write) return Inspection{};
  auto policy = policy_of(dataset);
  if (!policy) return std::unexpected(policy.error());
  const pii::Policy& p = **policy;
  auto slot = scan_slot();
  if (!slot) return std::unexpected(slot.error());
  auto findings = scanner_->scan_json(record, p.scan_options());
  std::erase_if(findings, [&](const pii::JsonFinding& f) { return !p.applies_to(f.finding); });
  if (findings.empty()) return Inspection{};

  Inspection out;
  switch (p.action) {
    case pii::PolicyAction::Flag:
      break;
    case pii::PolicyAction::Quarantine:
      out.quarantine = true;
      if (observer_)
        for (const auto& f : findings) observer_->on_violation(f.finding.entity, severity_of(p.action));
      break;
    case pii::PolicyAction::Reject: {
      if (observer_)
        for (const auto& f : findings) observer_->on_violation(f.finding.entity, severity_of(p.action));
      boost::json::array listed;
      for (const auto& f : findings) {
        if (listed.size() == 20) break;
        boost::json::object item{{"entity", f.finding.entity}, {"path", finding_path(f, scanner_.get())}};
        if (f.in_key) item["in"] = "key";
        listed.push_back(std::move(item));
      }
      const auto& first = findings.front();
      const std::string first_path = finding_path(first, scanner_.get());
      return fail(ErrorKind::BusinessRuleViolation,
                  "the record contains " + first.finding.entity + (first.in_key ? " in the key of " : " at ") + first_path +
                      "; the dataset's PII policy rejects records with PII",
                  {{"entity", first.finding.entity}, {"path", first_path}, {"findings", std::move(listed)}});
    }
    case pii::PolicyAction::Anonymize: {
      std::shared_ptr<const pii::AnonymizerKeys> hold;
      auto ctx = context_for(dataset.tenant_id, hold);
      if (!ctx) return std::unexpected(ctx.error());
      boost::json::value copy(record);
      const auto t0 = std::chrono::steady_clock::now();
      auto stats = pii::anonymize_json(copy, findings, p, *ctx);
      if (!stats) return std::unexpected(stats.error());
      if (observer_) observer_->on_anonymized(*stats, seconds_since(t0));
      payload = boost::json::serialize(copy);
      break;
    }
  }
  out.findings = summarize(findings, scanner_.get());
  return out;
}

Result<std::string> PiiService::anonymized_view(const storage::Dataset& d, std::string_view payload) {
  auto policy = policy_of(d);
  if (!policy) return std::unexpected(policy.error());
  if ((*policy)->action == pii::PolicyAction::Anonymize) return std::string(payload);
  boost::system::error_code ec;
  boost::json::value doc = boost::json::parse(payload, ec);
  if (ec) return fail(ErrorKind::InternalServer, "a stored record is not valid JSON");
  auto found = anonymize_json(d.tenant_id, doc, **policy);
  if (!found) return std::unexpected(found.error());
  if (found->empty()) return std::string(payload);
  return boost::json::serialize(doc);
}

Result<std::vector<pii::Finding>> PiiService::detect_text(std::string_view text, const pii::ScanOptions& o) const {
  auto slot = scan_slot();
  if (!slot) return std::unexpected(slot.error());
  return scanner_->scan_text(text, o);
}

Result<std::vector<pii::JsonFinding>> PiiService::detect_json(const boost::json::value& v,
                                                              const pii::ScanOptions& o) const {
  auto slot = scan_slot();
  if (!slot) return std::unexpected(slot.error());
  return scanner_->scan_json(v, o);
}

Result<std::string> PiiService::anonymize_text(const std::string& tenant_id, std::string_view text,
                                               const pii::Policy& policy, pii::AnonymizeStats* stats) {
  auto slot = scan_slot();
  if (!slot) return std::unexpected(slot.error());
  auto findings = scanner_->scan_text(text, policy.scan_options());
  std::erase_if(findings, [&](const pii::Finding& f) { return !policy.applies_to(f); });
  if (findings.empty()) return std::string(text);
  std::shared_ptr<const pii::AnonymizerKeys> hold;
  auto ctx = context_for(tenant_id, hold);
  if (!ctx) return std::unexpected(ctx.error());
  pii::AnonymizeStats local;
  const auto t0 = std::chrono::steady_clock::now();
  auto out = pii::anonymize_text(text, findings, policy, *ctx, &local);
  if (!out) return out;
  if (observer_) observer_->on_anonymized(local, seconds_since(t0));
  if (stats) stats->merge(local);
  return out;
}

Result<std::vector<pii::JsonFinding>> PiiService::anonymize_json(const std::string& tenant_id,
                                                                 boost::json::value& doc,
                                                                 const pii::Policy& policy,
                                                                 pii::AnonymizeStats* stats) {
  auto slot = scan_slot();
  if (!slot) return std::unexpected(slot.error());
  auto findings = scanner_->scan_json(doc, policy.scan_options());
  std::erase_if(findings, [&](const pii::JsonFinding& f) { return !policy.applies_to(f.finding); });
  if (findings.empty()) return findings;
  std::shared_ptr<const pii::AnonymizerKeys> hold;
  auto ctx = context_for(tenant_id, hold);
  if (!ctx) return std::unexpected(ctx.error());
  const auto t0 = std::chrono::steady_clock::now();
  auto local = pii::anonymize_json(doc, findings, policy, *ctx);
  if (!local) return std::unexpected(local.error());
  if (observer_) observer_->on_anonymized(*local, seconds_since(t0));
  if (stats) stats->merge(*local);
  return findings;
}

Result<std::string> PiiService::detokenize(const std::string& tenant_id, std::string_view token) {
  return tokens_.detokenize(tenant_id, token);
}

}  // namespace vault::domain
