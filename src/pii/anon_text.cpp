// anonymize_text / anonymize_json: overlap resolution, right-to-left
// rewriting, JSON pointer targets, per-operator counts.
#include "vault/pii/anonymizer.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>

namespace vault::pii {

void AnonymizeStats::add(std::string_view strategy, std::string_view field_type, std::string_view status,
                         std::uint64_t n) {
  for (auto& op : operations)
    if (op.strategy == strategy && op.field_type == field_type && op.status == status) {
      op.count += n;
      return;
    }
  operations.push_back({std::string(strategy), std::string(field_type), std::string(status), n});
}

void AnonymizeStats::merge(const AnonymizeStats& other) {
  for (const auto& op : other.operations) add(op.strategy, op.field_type, op.status, op.count);
  applied += other.applied;
  fallbacks += other.fallbacks;
  skipped += other.skipped;
}

namespace {

// Findings in scope, non-overlapping, sorted by begin descending.
std::vector<const Finding*> choose(std::string_view text, const std::vector<Finding>& findings,
                                   const Policy& policy, AnonymizeStats& stats) {
  std::vector<const Finding*> candidates;
  for (const auto& f : findings)
    if (f.begin < f.end && f.end <= text.size() && policy.applies_to(f)) candidates.push_back(&f);
  std::sort(candidates.begin(), candidates.end(), [](const Finding* a, const Finding* b) {
    if (a->score != b->score) return a->score > b->score;
    if (a->end - a->begin != b->end - b->begin) return a->end - a->begin > b->end - b->begin;
    if (a->begin != b->begin) return a->begin < b->begin;
    return a->entity < b->entity;
  });
  std::vector<const Finding*> chosen;
  for (const Finding* f : candidates) {
    bool overlaps = std::any_of(chosen.begin(), chosen.end(),
                                [&](const Finding* c) { return f->begin < c->end && c->begin < f->end; });
    if (overlaps) {
      stats.add(operator_name(policy.operator_for(f->entity).kind), f->entity, "skipped");
      ++stats.skipped;
    } else {
      chosen.push_back(f);
    }
  }
  std::sort(chosen.begin(), chosen.end(), [](const Finding* a, const Finding* b) { return a->begin > b->begin; });
  return chosen;
}

Result<std::string> rewrite(std::string_view text, const std::vector<Finding>& findings, const Policy& policy,
                            const AnonymizerContext& ctx, AnonymizeStats& stats) {
  std::string out(text);
  for (const Finding* f : choose(text, findings, policy, stats)) {
    const OperatorSpec& spec = policy.operator_for(f->entity);
    auto value = text.substr(f->begin, f->end - f->begin);
    auto r = apply_operator(f->entity, value, spec, ctx);
    std::string replacement;
    if (r) {
      replacement = std::move(*r);
      stats.add(operator_name(spec.kind), f->entity, "success");
    } else if (r.error().kind() == ErrorKind::Validation) {
      replacement = "<" + f->entity + ">";
      stats.add(operator_name(spec.kind), f->entity, "fallback");
      ++stats.fallbacks;
    } else {
      return fail(r.error());
    }
    ++stats.applied;
    out.replace(f->begin, f->end - f->begin, replacement);
  }
  return out;
}

std::string number_text(const boost::json::value& v) {
  if (v.is_int64()) return std::to_string(v.get_int64());
  if (v.is_uint64()) return std::to_string(v.get_uint64());
  double d = v.get_double();
  if (!std::isfinite(d) || d != std::floor(d) || std::fabs(d) >= 1e19) return {};
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.0f", d);
  return buf;
}

// The anonymized text as a JSON number of the original kind, if it is a plain
// integer without a leading zero that fits; otherwise a string.
boost::json::value number_or_string(const boost::json::value& original, const std::string& s) {
  std::string_view digits = s;
  bool negative = !digits.empty() && digits.front() == '-';
  if (negative) digits.remove_prefix(1);
  bool plain = !digits.empty() && std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }) &&
               (digits.size() == 1 || digits.front() != '0');
  if (plain) {
    const char* b = s.data();
    const char* e = s.data() + s.size();
    if (original.is_int64()) {
      std::int64_t i = 0;
      if (auto [p, ec] = std::from_chars(b, e, i); ec == std::errc() && p == e) return i;
    } else if (original.is_uint64() && !negative) {
      std::uint64_t u = 0;
      if (auto [p, ec] = std::from_chars(b, e, u); ec == std::errc() && p == e) return u;
    } else if (original.is_double() && digits.size() <= 15) {
      std::int64_t i = 0;
      if (auto [p, ec] = std::from_chars(b, e, i); ec == std::errc() && p == e) return static_cast<double>(i);
    }
  }
  return boost::json::string(s);
}

}  // namespace

Result<std::string> anonymize_text(std::string_view text, const std::vector<Finding>& findings,
                                   const Policy& policy, const AnonymizerContext& ctx, AnonymizeStats* stats) {
  AnonymizeStats local;
  auto r = rewrite(text, findings, policy, ctx, local);
  if (r && stats) stats->merge(local);
  return r;
}

Result<AnonymizeStats> anonymize_json(boost::json::value& doc, const std::vector<JsonFinding>& findings,
                                      const Policy& policy, const AnonymizerContext& ctx) {
  // Group by path, keeping the first-seen order of paths.
  std::vector<std::pair<std::string, std::vector<Finding>>> groups;
  for (const auto& jf : findings) {
    auto it = std::find_if(groups.begin(), groups.end(), [&](const auto& g) { return g.first == jf.path; });
    if (it == groups.end()) groups.push_back({jf.path, {jf.finding}});
    else it->second.push_back(jf.finding);
  }
  // Compute every replacement first so a failure leaves `doc` untouched.
  AnonymizeStats stats;
  std::vector<std::pair<boost::json::value*, boost::json::value>> updates;
  for (auto& [path, group] : groups) {
    boost::system::error_code ec;
    boost::json::value* target = doc.find_pointer(path, ec);
    if (!target || ec) continue;
    if (target->is_string()) {
      auto r = rewrite(std::string_view(target->get_string()), group, policy, ctx, stats);
      if (!r) return fail(r.error());
      updates.emplace_back(target, boost::json::string(*r));
    } else if (target->is_number()) {
      std::string text = number_text(*target);
      if (text.empty()) continue;
      auto r = rewrite(text, group, policy, ctx, stats);
      if (!r) return fail(r.error());
      if (*r != text) updates.emplace_back(target, number_or_string(*target, *r));
    }
  }
  for (auto& [target, value] : updates) *target = std::move(value);
  return stats;
}

}  // namespace vault::pii
