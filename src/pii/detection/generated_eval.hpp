#pragma once
// Span scoring of the detector against presidio_research_generated_large.json
// (../shared/data/pii, read at run time, never copied into the tree). Shared
// by bench/pii_eval (figures) and generated_accuracy_test.cpp (guards), so
// both measure the same thing. Header-only: it is not part of vault_pii_detection.
//
// THE SPLIT (fixed; do not change it, or the guard figures lose their meaning):
// sentence i, counted from 0 in the order of the JSON list, belongs to the
// held-out GUARD split when i % 5 == 4 (every 5th sentence: 421 of 2,109);
// every other sentence belongs to the DEV split (1,688). Tuning the detector
// (dictionaries, rules, scores) may look at DEV figures and DEV errors only;
// the GUARD split is measured by the accuracy test and reported, never
// inspected sentence by sentence (pii_eval refuses --errors on it).
#include "vault/pii/detection/scanner.hpp"

#include <boost/json.hpp>

#include <cstddef>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace vault::pii::eval {

enum class Split { Dev, Guard, All };

/// True when sentence `index` (0-based position in the data file) belongs to `s`.
inline bool in_split(std::size_t index, Split s) {
  bool guard = index % 5 == 4;
  return s == Split::All || (s == Split::Guard) == guard;
}

inline const char* split_name(Split s) {
  return s == Split::Dev ? "dev (i % 5 != 4)" : s == Split::Guard ? "guard (i % 5 == 4, held out)" : "all";
}

/// Our entity -> annotation type of the data set ("URL" is annotated DOMAIN_NAME).
inline const std::map<std::string, std::string>& entity_mapping() {
  static const std::map<std::string, std::string> m = {
      {"PERSON", "PERSON"},
      {"LOCATION", "LOCATION"},
      {"ADDRESS", "ADDRESS"},
      {"ORGANIZATION", "ORGANIZATION"},
      {"CREDIT_CARD", "CREDIT_CARD"},
      {"PHONE_NUMBER", "PHONE_NUMBER"},
      {"DATE_TIME", "DATE_TIME"},
      {"EMAIL_ADDRESS", "EMAIL_ADDRESS"},
      {"US_SSN", "US_SSN"},
      {"IBAN_CODE", "IBAN_CODE"},
      {"URL", "DOMAIN_NAME"},
      {"US_DRIVER_LICENSE", "US_DRIVER_LICENSE"},
      {"IP_ADDRESS", "IP_ADDRESS"},
  };
  return m;
}

/// Match class of an annotation type: LOCATION and ADDRESS are one class,
/// because the generator labels the same kind of span (towns, countries,
/// street lines) with either label. Per-type rows still count each label on
/// its own, and `found_strict` requires the identical label.
inline std::string match_class(std::string_view type) {
  if (type == "LOCATION" || type == "ADDRESS") return "LOCATION|ADDRESS";
  return std::string(type);
}

/// Counts for one annotation type. Gold side: annotations of the type and how
/// many some prediction of the same class overlaps (`found`), of the identical
/// type overlaps (`found_strict`), or matches exactly (`found_exact`).
/// Prediction side: our findings mapped to this type, how many overlap an
/// annotation of the same class (`correct`) or match one exactly (`exact`).
struct Counts {
  int gold = 0, found = 0, found_strict = 0, found_exact = 0;
  int pred = 0, correct = 0, exact = 0;

  Counts& operator+=(const Counts& o) {
    gold += o.gold, found += o.found, found_strict += o.found_strict, found_exact += o.found_exact;
    pred += o.pred, correct += o.correct, exact += o.exact;
    return *this;
  }
  double recall() const { return gold ? static_cast<double>(found) / gold : 0.0; }
  double recall_strict() const { return gold ? static_cast<double>(found_strict) / gold : 0.0; }
  double precision() const { return pred ? static_cast<double>(correct) / pred : 0.0; }
  double f1() const {
    double p = precision(), r = recall();
    return p + r > 0 ? 2 * p * r / (p + r) : 0.0;
  }
  double exact_precision() const { return pred ? static_cast<double>(exact) / pred : 0.0; }
  double exact_recall() const { return gold ? static_cast<double>(found_exact) / gold : 0.0; }
};

struct Report {
  int sentences = 0;
  std::map<std::string, Counts> by_type;  // annotation type -> counts

  /// Sum over the given types.
  Counts sum(std::initializer_list<std::string_view> types) const {
    Counts c;
    for (auto t : types)
      if (auto it = by_type.find(std::string(t)); it != by_type.end()) c += it->second;
    return c;
  }
};

/// One mismatch, for error listings (DEV split only).
struct Miss {
  bool false_positive;  // else a missed annotation
  std::string type;
  std::size_t begin, end;  // code points
  const std::string* text;
};

/// Scores the sentences of `split` in the parsed data file `doc`. `on_miss`
/// (optional) sees every false positive and missed annotation.
inline Report score(const Scanner& scanner, const boost::json::value& doc, Split split, double min_score,
                    const std::function<void(const Miss&)>& on_miss = {}) {
  const auto& mapping = entity_mapping();
  ScanOptions o;
  for (auto& [ours, theirs] : mapping) o.entities.push_back(ours);
  o.min_score = min_score;
  o.code_point_offsets = true;
  Report r;
  const auto& items = doc.as_array();
  for (std::size_t idx = 0; idx < items.size(); ++idx) {
    if (!in_split(idx, split)) continue;
    ++r.sentences;
    const auto& obj = items[idx].as_object();
    std::string text(obj.at("full_text").as_string());
    struct Gold {
      std::string type, cls;
      std::size_t b, e;
      bool hit = false, hit_strict = false, hit_exact = false;
    };
    std::vector<Gold> gold;
    for (const auto& s : obj.at("spans").as_array()) {
      const auto& so = s.as_object();
      std::string type(so.at("entity_type").as_string());
      gold.push_back({type, match_class(type), so.at("start_position").to_number<std::size_t>(),
                      so.at("end_position").to_number<std::size_t>()});
    }
    for (const auto& f : scanner.scan_text(text, o)) {
      const std::string& type = mapping.at(f.entity);
      std::string cls = match_class(type);
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
      if (!correct && on_miss) on_miss({true, type, f.cp_begin, f.cp_end, &text});
    }
    for (const auto& g : gold) {
      auto& c = r.by_type[g.type];
      ++c.gold;
      c.found += g.hit;
      c.found_strict += g.hit_strict;
      c.found_exact += g.hit_exact;
      if (!g.hit && on_miss) on_miss({false, g.type, g.b, g.e, &text});
    }
  }
  return r;
}

}  // namespace vault::pii::eval
