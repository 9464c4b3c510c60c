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
#include "vault/pii/detection/evaluation.hpp"
#include "vault/pii/detection/scanner.hpp"

#include <boost/json.hpp>

#include <cstddef>
#include <functional>
#include <map>
#include <stdexcept>
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
      {"PREFIX", "PREFIX"},
      {"TITLE", "TITLE"},
  };
  return m;
}

/// Scores the sentences of `split` in the parsed data file `doc` (evaluation.hpp,
/// with entity_mapping(); LOCATION and ADDRESS one class, location_match_class:
/// the generator labels towns, countries and street lines with either). `on_miss` (optional) sees every
/// false positive and missed annotation.
inline Report score(const Scanner& scanner, const boost::json::value& doc, Split split, double min_score,
                    const std::function<void(const Miss&)>& on_miss = {}) {
  auto texts = parse_labelled(doc);
  if (!texts) throw std::runtime_error("presidio_research_generated_large.json: " + texts.error().message());
  EvalOptions o;
  o.mapping = entity_mapping();
  o.match_class = location_match_class;
  o.min_score = min_score;
  return eval::score(scanner, *texts, o, [split](std::size_t i) { return in_split(i, split); }, on_miss);
}

}  // namespace vault::pii::eval
