// anonymize_text / anonymize_json: overlap resolution, right-to-left
// rewriting, JSON pointer targets, per-operator counts.
#include "vault/pii/anonymization/anonymizer.hpp"

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

struct KeyRename {
  std::string parent;  ///< pointer of the object holding the key
  std::string from;
  std::string to;
};

/// "/a/b~1c" -> {"/a", "b/c"}: the parent pointer and the unescaped last token.
std::pair<std::string, std::string> split_pointer(std::string_view path) {
  const auto slash = path.rfind('/');
  return {std::string(path.substr(0, slash == std::string_view::npos ? 0 : slash)), last_pointer_token(path)};
}

/// Renames `from` to `to` in place of the member (order kept). When `to`
/// is already a sibling's key, a stable suffix is added: "to_2", "to_3", ...
void rename_key(boost::json::object& obj, const std::string& from, const std::string& to) {
  if (from == to || !obj.contains(from)) return;
  std::string name = to;
  for (int n = 2; obj.contains(name); ++n) name = to + "_" + std::to_string(n);
  boost::json::object out(obj.storage());
  out.reserve(obj.size());
  for (auto& kv : obj) out.emplace(kv.key() == from ? boost::json::string_view(name) : kv.key(), std::move(kv.value()));
  obj = std::move(out);
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
  // Group by (path, in_key), keeping the first-seen order.
  struct Group {
    std::string path;
    bool in_key;
    std::vector<Finding> findings;
  };
  std::vector<Group> groups;
  for (const auto& jf : findings) {
    auto it = std::find_if(groups.begin(), groups.end(),
                           [&](const Group& g) { return g.path == jf.path && g.in_key == jf.in_key; });
    if (it == groups.end()) groups.push_back({jf.path, jf.in_key, {jf.finding}});
    else it->findings.push_back(jf.finding);
  }
  // Compute every replacement first so a failure leaves `doc` untouched.
  AnonymizeStats stats;
  std::vector<std::pair<boost::json::value*, boost::json::value>> updates;
  std::vector<KeyRename> renames;
  for (auto& g : groups) {
    if (g.in_key) {
      auto [parent, key] = split_pointer(g.path);
      boost::system::error_code ec;
      boost::json::value* holder = doc.find_pointer(parent, ec);
      if (!holder || ec || !holder->is_object() || !holder->get_object().contains(key)) continue;
      auto r = rewrite(key, g.findings, policy, ctx, stats);
      if (!r) return fail(r.error());
      if (*r != key) renames.push_back({std::move(parent), std::move(key), std::move(*r)});
      continue;
    }
    boost::system::error_code ec;
    boost::json::value* target = doc.find_pointer(g.path, ec);
    if (!target || ec) continue;
    if (target->is_string()) {
      auto r = rewrite(std::string_view(target->get_string()), g.findings, policy, ctx, stats);
      if (!r) return fail(r.error());
      updates.emplace_back(target, boost::json::string(*r));
    } else if (target->is_number()) {
      std::string text = number_text(*target);
      if (text.empty()) continue;
      auto r = rewrite(text, g.findings, policy, ctx, stats);
      if (!r) return fail(r.error());
      if (*r != text) updates.emplace_back(target, number_or_string(*target, *r));
    }
  }
  for (auto& [target, value] : updates) *target = std::move(value);
  // Keys last, deepest first: renaming rebuilds an object (moving its
  // values), and a deeper member's pointer still names its ancestors' old keys.
  std::stable_sort(renames.begin(), renames.end(), [](const KeyRename& a, const KeyRename& b) {
    return std::count(a.parent.begin(), a.parent.end(), '/') > std::count(b.parent.begin(), b.parent.end(), '/');
  });
  for (auto& r : renames) {
    boost::system::error_code ec;
    boost::json::value* holder = doc.find_pointer(r.parent, ec);
    if (holder && !ec && holder->is_object()) rename_key(holder->get_object(), r.from, r.to);
  }
  return stats;
}

}  // namespace vault::pii
