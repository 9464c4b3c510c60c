// Evaluation of the PII detector against ../shared/data/pii (read at run time).
//
// Usage: pii_eval [DATA_DIR] [--min-score S] [--fail-list N] [--split dev|guard|all] [--errors TYPE]
//
// 1. presidio_recognizer_cases.jsonl, scored as the data README says: the
//    detector restricted to the case's entity, no score threshold; a case
//    passes when the number of findings equals expected_count and, where
//    spans are given, the spans are exactly those (code-point offsets).
//    `validate` cases pass when a finding covering the whole value exists
//    (expected 1) or none does (expected 0).
// 2. presidio_research_generated_large.json: precision / recall / F1 per
//    annotated type, overlap match and exact match, after mapping our
//    entity names to the annotation types (mapping printed), on one split
//    of the data (src/pii/detection/generated_eval.hpp; bench/README.md):
//      --split dev    (default) sentences i % 5 != 4: tuning may look here
//      --split guard  sentences i % 5 == 4: held out, guarded by
//                     generated_accuracy_test.cpp; figures only, no --errors
//      --split all    the whole file
//    --errors TYPE lists false positives and misses of TYPE (dev split only).
#include "generated_eval.hpp"
#include "vault/pii/detection/scanner.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

using namespace vault::pii;

namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "cannot read %s\n", path.c_str());
    std::exit(2);
  }
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct Tally {
  int pass = 0, total = 0;
};

void recognizer_cases(const Scanner& scanner, const std::string& dir, int fail_list) {
  std::ifstream in(dir + "/presidio_recognizer_cases.jsonl");
  if (!in) {
    std::fprintf(stderr, "cannot read %s/presidio_recognizer_cases.jsonl\n", dir.c_str());
    std::exit(2);
  }
  std::map<std::string, Tally> per;
  Tally all;
  std::vector<std::string> failures;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    auto v = boost::json::parse(line).as_object();
    std::string entity(v["entities"].as_array()[0].as_string());
    std::string text(v["text"].as_string());
    std::string kind(v["kind"].as_string());
    auto expected = v["expected_count"].to_number<int>();
    ScanOptions o;
    o.entities = {entity};
    o.code_point_offsets = true;
    auto found = scanner.scan_text(text, o);
    bool ok;
    std::set<std::pair<std::size_t, std::size_t>> got;
    for (auto& f : found) got.insert({f.cp_begin, f.cp_end});
    if (kind == "validate") {
      std::size_t b = 0, e = text.size();
      while (b < e && text[b] == ' ') ++b;
      while (e > b && text[e - 1] == ' ') --e;
      bool whole = std::any_of(found.begin(), found.end(), [&](const Finding& f) { return f.begin == b && f.end == e; });
      ok = (expected == 1) == whole;
    } else {
      ok = static_cast<int>(found.size()) == expected;
      if (ok && expected > 0 && v["expected_spans"].is_array()) {
        const auto& spans = v["expected_spans"].as_array();
        std::set<std::pair<std::size_t, std::size_t>> want;
        for (auto& s : spans)
          want.insert({s.as_array()[0].to_number<std::size_t>(), s.as_array()[1].to_number<std::size_t>()});
        if (!want.empty()) {
          if (static_cast<int>(want.size()) == expected) ok = want == got;
          else ok = std::includes(got.begin(), got.end(), want.begin(), want.end());
        }
      }
    }
    auto& t = per[entity];
    ++t.total;
    ++all.total;
    if (ok) ++t.pass, ++all.pass;
    else {
      std::string spans;
      for (auto& [b, e] : got) spans += "[" + std::to_string(b) + "," + std::to_string(e) + "]";
      failures.push_back(std::string(v["id"].as_string()) + " " + entity + " " + kind + " expected " +
                         std::to_string(expected) + " " + boost::json::serialize(v["expected_spans"]) + " got " +
                         std::to_string(found.size()) + " " + spans + " | " + text.substr(0, 100));
    }
  }
  std::printf("== presidio_recognizer_cases.jsonl (restricted to the case's entity, no threshold)\n");
  std::printf("%-28s %6s %6s %8s\n", "entity", "pass", "cases", "rate");
  for (auto& [e, t] : per)
    std::printf("%-28s %6d %6d %7.1f%%\n", e.c_str(), t.pass, t.total, 100.0 * t.pass / t.total);
  std::printf("%-28s %6d %6d %7.1f%%\n\n", "OVERALL", all.pass, all.total, 100.0 * all.pass / all.total);
  for (int i = 0; i < fail_list && i < static_cast<int>(failures.size()); ++i)
    std::printf("  FAIL %s\n", failures[static_cast<std::size_t>(i)].c_str());
  if (fail_list > 0) std::printf("\n");
}

void print_row(const char* name, const eval::Counts& c) {
  auto f1 = [](double p, double r) { return p + r > 0 ? 2 * p * r / (p + r) : 0.0; };
  std::printf("%-20s %6d %6d | %5.3f %5.3f %5.3f %6.3f | %5.3f %5.3f %5.3f\n", name, c.gold, c.pred, c.precision(),
              c.recall(), c.f1(), c.recall_strict(), c.exact_precision(), c.exact_recall(),
              f1(c.exact_precision(), c.exact_recall()));
}

void generated(const Scanner& scanner, const std::string& dir, double min_score, eval::Split split,
               const std::string& show_type) {
  auto doc = boost::json::parse(read_file(dir + "/presidio_research_generated_large.json"));
  int shown = 0;
  auto on_miss = [&](const eval::Miss& m) {
    if (m.type != show_type || shown >= 400) return;
    ++shown;
    std::printf("  %s %s [%zu,%zu] in: %s\n", m.false_positive ? "FP" : "FN", m.type.c_str(), m.begin, m.end,
                m.text->substr(0, 160).c_str());
  };
  std::function<void(const eval::Miss&)> cb;
  if (!show_type.empty()) cb = on_miss;
  auto r = eval::score(scanner, doc, split, min_score, cb);
  std::printf("== presidio_research_generated_large.json, split %s: %d sentences (min score %.2f)\n",
              eval::split_name(split), r.texts, min_score);
  std::printf("entity mapping (ours -> annotation):");
  for (auto& [k, v] : eval::entity_mapping()) std::printf(" %s->%s", k.c_str(), v.c_str());
  std::printf("\n%-20s %6s %6s | %-24s | %-17s\n", "type", "gold", "pred", "overlap P  R  F1  R-strict",
              "exact P  R  F1");
  eval::Counts all, supported;
  for (auto& [t, c] : r.by_type) {
    print_row(t.c_str(), c);
    all += c;
    supported += c;
  }
  print_row("LOCATION|ADDRESS", r.sum({"LOCATION", "ADDRESS"}));
  print_row("ALL TYPES", all);
  print_row("SUPPORTED TYPES", supported);
  std::printf("(overlap: a prediction is correct when it overlaps an annotation of its class; an annotation is\n"
              " found when some prediction of its class overlaps it. LOCATION and ADDRESS are one class; R-strict\n"
              " counts an annotation found only by a prediction of the identical type.)\n");
  // Calibration: how often a finding of each score band was right.
  std::printf("score band   findings  correct  precision\n");
  for (std::size_t b = 0; b < r.by_score.size(); ++b)
    if (r.by_score[b].findings)
      std::printf("[%.1f, %.1f)  %8d %8d  %9.3f\n", b / 10.0, (b + 1) / 10.0, r.by_score[b].findings,
                  r.by_score[b].correct, r.by_score[b].precision());
  std::printf("\n");
}

}  // namespace

int main(int argc, char** argv) {
  std::string dir = std::string(VAULT_SOURCE_DIR) + "/../shared/data/pii";
  double min_score = 0.4;
  int fail_list = 0;
  std::string errors;
  eval::Split split = eval::Split::Dev;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--min-score") && i + 1 < argc) min_score = std::atof(argv[++i]);
    else if (!std::strcmp(argv[i], "--fail-list") && i + 1 < argc) fail_list = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--errors") && i + 1 < argc) errors = argv[++i];
    else if (!std::strcmp(argv[i], "--split") && i + 1 < argc) {
      std::string v = argv[++i];
      if (v == "dev") split = eval::Split::Dev;
      else if (v == "guard") split = eval::Split::Guard;
      else if (v == "all") split = eval::Split::All;
      else {
        std::fprintf(stderr, "--split must be dev, guard or all\n");
        return 2;
      }
    }
    else dir = argv[i];
  }
  if (!errors.empty() && split != eval::Split::Dev) {
    std::fprintf(stderr, "--errors lists sentences: dev split only (the guard split is held out)\n");
    return 2;
  }
  Scanner scanner(Catalogue::defaults());
  for (auto& s : scanner.skipped()) std::fprintf(stderr, "skipped rule %s: %s\n", s.name.c_str(), s.reason.c_str());
  recognizer_cases(scanner, dir, fail_list);
  generated(scanner, dir, min_score, split, errors);
  return 0;
}
