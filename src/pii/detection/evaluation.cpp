#include "vault/pii/detection/evaluation.hpp"

#include <algorithm>

#include <boost/json.hpp>

namespace vault::pii::eval {
namespace {

/// Byte offset of code point `cp` in UTF-8 `s` (s.size() past the end).
std::size_t byte_of(std::string_view s, std::size_t cp) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) continue;
    if (n++ == cp) return i;
  }
  return s.size();
}

std::size_t code_points(std::string_view s) {
  std::size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

Error item_error(std::size_t i, const std::string& what) {
  return Error(ErrorKind::Validation, "item " + std::to_string(i) + ": " + what, {{"index", static_cast<std::int64_t>(i)}});
}

}  // namespace

Counts& Counts::operator+=(const Counts& o) {
  gold += o.gold, found += o.found, found_strict += o.found_strict, found_exact += o.found_exact;
  pred += o.pred, correct += o.correct, exact += o.exact, leaked += o.leaked;
  return *this;
}

double Counts::f1() const {
  const double p = precision(), r = recall();
  return p + r > 0 ? 2 * p * r / (p + r) : 0.0;
}

double Counts::exact_f1() const {
  const double p = exact_precision(), r = exact_recall();
  return p + r > 0 ? 2 * p * r / (p + r) : 0.0;
}

Counts Report::sum(std::initializer_list<std::string_view> types) const {
  Counts c;
  for (auto t : types)
    if (auto it = by_type.find(std::string(t)); it != by_type.end()) c += it->second;
  return c;
}

Result<std::vector<LabelledText>> parse_labelled(const boost::json::value& doc) {
  if (!doc.is_array())
    return fail(ErrorKind::Validation, "expected a JSON array of {\"full_text\", \"spans\"} objects");
  std::vector<LabelledText> out;
  out.reserve(doc.as_array().size());
  std::size_t i = 0;
  for (const auto& item : doc.as_array()) {
    const auto* o = item.if_object();
    const auto* text = o ? o->if_contains("full_text") : nullptr;
    const auto* spans = o ? o->if_contains("spans") : nullptr;
    if (!text || !text->is_string()) return std::unexpected(item_error(i, "\"full_text\" must be a string"));
    if (!spans || !spans->is_array()) return std::unexpected(item_error(i, "\"spans\" must be an array"));
    LabelledText t;
    t.text = std::string(text->as_string());
    const std::size_t length = code_points(t.text);
    for (const auto& s : spans->as_array()) {
      const auto* so = s.if_object();
      const auto* type = so ? so->if_contains("entity_type") : nullptr;
      const auto* b = so ? so->if_contains("start_position") : nullptr;
      const auto* e = so ? so->if_contains("end_position") : nullptr;
      if (!type || !type->is_string() || !b || !b->is_int64() || !e || !e->is_int64())
        return std::unexpected(item_error(i, "each span needs \"entity_type\" (string), \"start_position\" and "
                                             "\"end_position\" (integers)"));
      const std::int64_t bb = b->as_int64(), ee = e->as_int64();
      if (bb < 0 || ee <= bb || static_cast<std::size_t>(ee) > length)
        return std::unexpected(item_error(i, "a span is empty or outside its text"));
      t.spans.push_back({std::string(type->as_string()), static_cast<std::size_t>(bb), static_cast<std::size_t>(ee)});
    }
    out.push_back(std::move(t));
    ++i;
  }
  return out;
}

std::string location_match_class(std::string_view label) {
  if (label == "LOCATION" || label == "ADDRESS" || label == "GPE" || label == "LOC") return "LOCATION|ADDRESS";
  return std::string(label);
}

std::map<std::string, std::string> default_mapping(const std::vector<std::string>& entities) {
  std::map<std::string, std::string> m;
  for (const auto& e : entities) m[e] = e == "URL" ? "DOMAIN_NAME" : e;
  return m;
}

Report score(const Scanner& scanner, const std::vector<LabelledText>& texts, const EvalOptions& options,
             const std::function<bool(std::size_t)>& include, const std::function<void(const Miss&)>& on_miss) {
  auto class_of = [&](std::string_view label) {
    return options.match_class ? options.match_class(label) : std::string(label);
  };
  ScanOptions scored;
  for (const auto& [ours, theirs] : options.mapping) scored.entities.push_back(ours);
  scored.min_score = options.min_score;
  scored.code_point_offsets = true;
  ScanOptions everything;
  everything.min_score = options.min_score;
  Report r;
  for (std::size_t idx = 0; idx < texts.size(); ++idx) {
    if (include && !include(idx)) continue;
    ++r.texts;
    const LabelledText& t = texts[idx];
    struct Gold {
      std::string type, cls;
      std::size_t b, e;
      bool hit = false, hit_strict = false, hit_exact = false;
    };
    std::vector<Gold> gold;
    gold.reserve(t.spans.size());
    for (const auto& s : t.spans) gold.push_back({s.type, class_of(s.type), s.begin, s.end});
    for (const auto& f : scanner.scan_text(t.text, scored)) {
      auto mapped = options.mapping.find(f.entity);
      if (mapped == options.mapping.end()) continue;
      const std::string& type = mapped->second;
      const std::string cls = class_of(type);
      auto& c = r.by_type[type];
      ++c.pred;
      bool correct = false, exact = false;
      for (auto& g : gold) {
        if (g.cls != cls || !(f.cp_begin < g.e && g.b < f.cp_end)) continue;
        correct = g.hit = true;
        if (g.type == type) g.hit_strict = true;
        if (f.cp_begin == g.b && f.cp_end == g.e) exact = g.hit_exact = true;
      }
      c.correct += correct;
      c.exact += exact;
      auto& band = r.by_score[static_cast<std::size_t>(std::clamp(static_cast<int>(f.score * 10), 0, 9))];
      ++band.findings;
      band.correct += correct;
      if (!correct && on_miss) on_miss({true, type, f.cp_begin, f.cp_end, &t.text});
    }
    std::string anonymized;
    if (options.anonymize) anonymized = options.anonymize(t.text, scanner.scan_text(t.text, everything));
    for (const auto& g : gold) {
      auto& c = r.by_type[g.type];
      ++c.gold;
      c.found += g.hit;
      c.found_strict += g.hit_strict;
      c.found_exact += g.hit_exact;
      if (options.anonymize) {
        const std::size_t b = byte_of(t.text, g.b), e = byte_of(t.text, g.e);
        const std::string_view value = std::string_view(t.text).substr(b, e - b);
        const bool leaked = anonymized.find(value) != std::string::npos;
        c.leaked += leaked;
        if (leaked && options.on_leak) options.on_leak(g.type, value, t.text);
      }
      if (!g.hit && on_miss) on_miss({false, g.type, g.b, g.e, &t.text});
    }
  }
  return r;
}

}  // namespace vault::pii::eval
