#include "vault/resilience/fault_injector.hpp"

#include <algorithm>

namespace vault::resilience {

const std::vector<std::string>& fault_dependencies() {
  static const std::vector<std::string> deps = {"metadata_store", "blob_store", "key_provider", "cache"};
  return deps;
}

namespace {

std::string_view kind_name(FaultKind k) {
  switch (k) {
    case FaultKind::Error: return "error";
    case FaultKind::Latency: return "latency";
    case FaultKind::Hang: return "hang";
  }
  return "error";
}

Error invalid(const std::string& field, const std::string& why) {
  return Error(ErrorKind::Validation, "invalid fault: " + field + " " + why, {{"field", field}});
}

std::optional<double> number(const boost::json::value* v) {
  if (!v) return std::nullopt;
  if (v->is_int64()) return static_cast<double>(v->as_int64());
  if (v->is_uint64()) return static_cast<double>(v->as_uint64());
  if (v->is_double()) return v->as_double();
  return std::nullopt;
}

}  // namespace

Result<Fault> parse_fault(const boost::json::object& o) {
  for (const auto& kv : o)
    if (kv.key() != "dependency" && kv.key() != "kind" && kv.key() != "latency_ms" && kv.key() != "percent")
      return std::unexpected(invalid(std::string(kv.key()), "is not a fault field"));
  Fault f;
  const auto* dep = o.if_contains("dependency");
  if (!dep || !dep->is_string()) return std::unexpected(invalid("dependency", "is required (a string)"));
  f.dependency = std::string(dep->as_string());
  const auto& deps = fault_dependencies();
  if (std::find(deps.begin(), deps.end(), f.dependency) == deps.end())
    return std::unexpected(invalid("dependency", "must be one of metadata_store, blob_store, key_provider, cache"));
  const auto* kind = o.if_contains("kind");
  if (!kind || !kind->is_string()) return std::unexpected(invalid("kind", "is required (error|latency|hang)"));
  if (kind->as_string() == "error") f.kind = FaultKind::Error;
  else if (kind->as_string() == "latency") f.kind = FaultKind::Latency;
  else if (kind->as_string() == "hang") f.kind = FaultKind::Hang;
  else return std::unexpected(invalid("kind", "must be error, latency or hang"));
  if (const auto* l = o.if_contains("latency_ms")) {
    auto n = number(l);
    if (!n || *n < 0 || *n > 600000) return std::unexpected(invalid("latency_ms", "must be a number 0-600000"));
    f.latency = std::chrono::milliseconds(static_cast<std::int64_t>(*n));
  } else if (f.kind == FaultKind::Latency) {
    return std::unexpected(invalid("latency_ms", "is required for kind latency"));
  }
  if (const auto* p = o.if_contains("percent")) {
    auto n = number(p);
    if (!n || *n < 0 || *n > 100) return std::unexpected(invalid("percent", "must be a number 0-100"));
    f.percent = *n;
  }
  return f;
}

boost::json::object fault_json(const Fault& f) {
  return {{"dependency", f.dependency},
          {"kind", kind_name(f.kind)},
          {"latency_ms", f.latency.count()},
          {"percent", f.percent}};
}

Status FaultInjector::set(const Fault& f) {
  if (!enabled_)
    return fail(ErrorKind::Validation, "fault injection is disabled (set faults.enabled or VAULT_FAULT_INJECTION)");
  const auto& deps = fault_dependencies();
  if (std::find(deps.begin(), deps.end(), f.dependency) == deps.end())
    return fail(ErrorKind::Validation, "unknown dependency " + f.dependency, {{"field", "dependency"}});
  std::lock_guard lock(mu_);
  faults_[f.dependency] = f;
  active_.store(static_cast<int>(faults_.size()));
  return {};
}

void FaultInjector::clear() {
  std::lock_guard lock(mu_);
  faults_.clear();
  active_.store(0);
}

std::vector<Fault> FaultInjector::list() {
  std::lock_guard lock(mu_);
  std::vector<Fault> out;
  for (const auto& [dep, f] : faults_) out.push_back(f);
  return out;
}

std::optional<Fault> FaultInjector::draw(std::string_view dependency) {
  if (active_.load(std::memory_order_relaxed) == 0) return std::nullopt;
  std::lock_guard lock(mu_);
  auto it = faults_.find(dependency);
  if (it == faults_.end()) return std::nullopt;
  if (it->second.percent < 100) {
    std::uniform_real_distribution<double> u(0, 100);
    if (u(rng_) >= it->second.percent) return std::nullopt;
  }
  return it->second;
}

}  // namespace vault::resilience
