#pragma once
/// Scoring the detector on labelled text, and what anonymization leaves of
/// the labelled values: the figures of `vault pii eval`, bench/pii_eval and
/// the accuracy tests, computed one way.
///
/// Input: texts with labelled spans in Unicode code points, as the
/// presidio-research format gives them (parse_labelled). Per label:
/// - recall (overlap): labelled spans some finding of the same match class
///   overlaps; strict: of the identical label; exact: with the same bounds;
/// - precision (overlap / exact): findings mapped to the label that overlap
///   (match exactly) a labelled span of their class;
/// - leak: labelled values that still appear verbatim in the text as the
///   anonymizer rewrote it (EvalOptions::anonymize), what a user of an
///   anonymized view or export would see.
#include "vault/core/error.hpp"
#include "vault/pii/detection/scanner.hpp"

#include <boost/json/value.hpp>

#include <array>
#include <cstddef>
#include <functional>
#include <initializer_list>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace vault::pii::eval {

struct LabelledSpan {
  std::string type;        ///< the data's label, e.g. "PERSON"
  std::size_t begin = 0;   ///< code points, inclusive
  std::size_t end = 0;     ///< code points, exclusive
};

struct LabelledText {
  std::string text;
  std::vector<LabelledSpan> spans;
};

/// The presidio-research format: a JSON array of objects with "full_text"
/// and "spans" (each {"entity_type", "start_position", "end_position"} in
/// code points; other fields ignored). Validation naming the item and field
/// on anything else (a span outside its text included).
Result<std::vector<LabelledText>> parse_labelled(const boost::json::value& doc);

/// Counts for one label (see the file comment).
struct Counts {
  int gold = 0, found = 0, found_strict = 0, found_exact = 0;
  int pred = 0, correct = 0, exact = 0;
  int leaked = 0;  ///< labelled values left verbatim by the anonymizer (with EvalOptions::anonymize)

  Counts& operator+=(const Counts& o);
  double recall() const { return gold ? static_cast<double>(found) / gold : 0.0; }
  double recall_strict() const { return gold ? static_cast<double>(found_strict) / gold : 0.0; }
  double precision() const { return pred ? static_cast<double>(correct) / pred : 0.0; }
  double f1() const;
  double exact_precision() const { return pred ? static_cast<double>(exact) / pred : 0.0; }
  double exact_recall() const { return gold ? static_cast<double>(found_exact) / gold : 0.0; }
  double exact_f1() const;
  double leak_rate() const { return gold ? static_cast<double>(leaked) / gold : 0.0; }
};

/// Findings of one score band and how many of them were correct: what a
/// score means ("of the findings scored 0.5-0.6, 71% were right").
struct ScoreBand {
  int findings = 0, correct = 0;
  double precision() const { return findings ? static_cast<double>(correct) / findings : 0.0; }
};

struct Report {
  int texts = 0;
  std::map<std::string, Counts> by_type;  ///< label -> counts
  /// Findings (of the scored entities) by score band: [0] = [0, 0.1), ...,
  /// [9] = [0.9, 1.0].
  std::array<ScoreBand, 10> by_score{};
  /// Sum over the given labels.
  Counts sum(std::initializer_list<std::string_view> types) const;
};

/// One mismatch, for error listings.
struct Miss {
  bool false_positive;     ///< else a missed labelled span
  std::string type;        ///< the label
  std::size_t begin, end;  ///< code points
  const std::string* text;
};

struct EvalOptions {
  /// Our entity -> the data's label. Only these entities are scored;
  /// findings of others neither count nor are scanned for.
  std::map<std::string, std::string> mapping;
  /// Label -> match class: labels of one class find each other's spans
  /// (e.g. LOCATION and ADDRESS). Unset: each label its own class.
  std::function<std::string(std::string_view)> match_class;
  double min_score = 0.5;
  /// When set, the text as the anonymizer rewrites it given every finding of
  /// a scan for all entities at `min_score` (what a default anonymization
  /// sees); a labelled value found verbatim in it is counted as leaked.
  std::function<std::string(std::string_view text, const std::vector<Finding>& findings)> anonymize;
  /// Called for every leaked labelled value (with `anonymize` set): its
  /// label, the value and the whole original text.
  std::function<void(std::string_view label, std::string_view value, std::string_view text)> on_leak;
};

/// The match class of a label: the location-like labels LOCATION, ADDRESS,
/// GPE and LOC are one class ("LOCATION|ADDRESS": data sets label the same
/// span, a town or a street line, with any of them); any other label is
/// its own class.
std::string location_match_class(std::string_view label);

/// Our entity names mapped to themselves, with the presidio-research
/// labels where they differ (URL is DOMAIN_NAME there).
std::map<std::string, std::string> default_mapping(const std::vector<std::string>& entities);

/// Scores `texts` (those `include` accepts, by index; all when unset).
Report score(const Scanner& scanner, const std::vector<LabelledText>& texts, const EvalOptions& options,
             const std::function<bool(std::size_t)>& include = {},
             const std::function<void(const Miss&)>& on_miss = {});

}  // namespace vault::pii::eval
