// Evaluation of the PII detector against ../shared/data/pii (read at run time).
//
// Usage: pii_eval [DATA_DIR] [--min-score S] [--fail-list N]
//
// 1. presidio_recognizer_cases.jsonl, scored as the data README says: the
//    detector restricted to the case's entity, no score threshold; a case
//    passes when the number of findings equals expected_count and, where
//    spans are given, the spans are exactly those (code-point offsets).
//    `validate` cases pass when a finding covering the whole value exists
//    (expected 1) or none does (expected 0).
// 2. presidio_research_generated_large.json: precision / recall / F1 per
//    annotated type, overlap match and exact match, after mapping our
//    entity names to the annotation types (mapping printed).
#include "vault/pii/scanner.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
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

// Our entity -> annotation type of presidio_research_generated_large.json.
// LOCATION and ADDRESS are scored as one class ("LOCATION/ADDRESS"): the data
// set annotates the same kind of span (towns, countries, street lines) with
// either label, and our detector reports street addresses as ADDRESS and
// places as LOCATION.
const std::map<std::string, std::string> kMapping = {
    {"PERSON", "PERSON"},
    {"LOCATION", "LOCATION/ADDRESS"},
    {"ADDRESS", "LOCATION/ADDRESS"},
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

std::string gold_type(const std::string& t) {
  if (t == "LOCATION" || t == "ADDRESS") return "LOCATION/ADDRESS";
  return t;
}

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

struct Prf {
  int pred = 0, pred_tp = 0, gold = 0, gold_tp = 0, exact = 0;
};

void print_prf(const char* name, const Prf& p) {
  auto div = [](double a, double b) { return b > 0 ? a / b : 0.0; };
  double P = div(p.pred_tp, p.pred), R = div(p.gold_tp, p.gold), F = div(2 * P * R, P + R);
  double Pe = div(p.exact, p.pred), Re = div(p.exact, p.gold), Fe = div(2 * Pe * Re, Pe + Re);
  std::printf("%-20s %6d %6d | %5.3f %5.3f %5.3f | %5.3f %5.3f %5.3f\n", name, p.gold, p.pred, P, R, F, Pe, Re, Fe);
}

void generated(const Scanner& scanner, const std::string& dir, double min_score, const std::string& show_type) {
  bool show_errors = !show_type.empty();
  auto doc = boost::json::parse(read_file(dir + "/presidio_research_generated_large.json"));
  std::vector<std::string> ours;
  for (auto& [k, v] : kMapping) ours.push_back(k);
  ScanOptions o;
  o.entities = ours;
  o.min_score = min_score;
  o.code_point_offsets = true;
  std::map<std::string, Prf> per;
  int shown = 0;
  for (auto& item : doc.as_array()) {
    auto& obj = item.as_object();
    std::string text(obj.at("full_text").as_string());
    struct Span {
      std::string type;
      std::size_t b, e;
      bool hit = false;
    };
    std::vector<Span> gold;
    for (auto& s : obj.at("spans").as_array()) {
      auto& so = s.as_object();
      gold.push_back({gold_type(std::string(so.at("entity_type").as_string())),
                      so.at("start_position").to_number<std::size_t>(), so.at("end_position").to_number<std::size_t>()});
    }
    auto found = scanner.scan_text(text, o);
    for (auto& g : gold) ++per[g.type].gold;
    for (auto& f : found) {
      auto type = kMapping.at(f.entity);
      auto& p = per[type];
      ++p.pred;
      bool tp = false, exact = false;
      for (auto& g : gold) {
        if (g.type != type) continue;
        if (f.cp_begin < g.e && g.b < f.cp_end) {
          tp = true;
          g.hit = true;
          if (f.cp_begin == g.b && f.cp_end == g.e) exact = true;
        }
      }
      if (tp) ++p.pred_tp;
      if (exact) ++p.exact;
      if (!tp && show_errors && show_type == type && shown < 400) {
        ++shown;
        std::printf("  FP %s [%s] in: %s\n", f.entity.c_str(),
                    text.substr(f.begin, f.end - f.begin).c_str(), text.substr(0, 120).c_str());
      }
    }
    for (auto& g : gold) {
      if (g.hit) ++per[g.type].gold_tp;
      else if (show_errors && shown < 400 && g.type == show_type) {
        ++shown;
        std::printf("  FN %s [%zu,%zu] in: %s\n", g.type.c_str(), g.b, g.e, text.substr(0, 160).c_str());
      }
    }
  }
  std::printf("== presidio_research_generated_large.json (min score %.2f)\n", min_score);
  std::printf("entity mapping (ours -> annotation):");
  for (auto& [k, v] : kMapping) std::printf(" %s->%s", k.c_str(), v.c_str());
  std::printf("\nannotation types TITLE and PREFIX have no detector (count as misses in ALL TYPES).\n");
  std::printf("%-20s %6s %6s | %-17s | %-17s\n", "type", "gold", "pred", "overlap P  R  F1", "exact P  R  F1");
  Prf all, supported;
  for (auto& [t, p] : per) {
    print_prf(t.c_str(), p);
    for (Prf* x : {&all, &supported}) {
      if (x == &supported && (t == "TITLE" || t == "PREFIX")) continue;
      x->pred += p.pred, x->pred_tp += p.pred_tp, x->gold += p.gold, x->gold_tp += p.gold_tp, x->exact += p.exact;
    }
  }
  print_prf("ALL TYPES", all);
  print_prf("SUPPORTED TYPES", supported);
  std::printf("(overlap: a prediction is correct when it overlaps an annotation of its mapped type; an\n"
              " annotation is found when some prediction of its type overlaps it)\n");
}

}  // namespace

int main(int argc, char** argv) {
  std::string dir = std::string(VAULT_SOURCE_DIR) + "/../shared/data/pii";
  double min_score = 0.4;
  int fail_list = 0;
  std::string errors;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--min-score") && i + 1 < argc) min_score = std::atof(argv[++i]);
    else if (!std::strcmp(argv[i], "--fail-list") && i + 1 < argc) fail_list = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--errors") && i + 1 < argc) errors = argv[++i];
    else dir = argv[i];
  }
  Scanner scanner(Catalogue::defaults());
  for (auto& s : scanner.skipped()) std::fprintf(stderr, "skipped rule %s: %s\n", s.name.c_str(), s.reason.c_str());
  recognizer_cases(scanner, dir, fail_list);
  generated(scanner, dir, min_score, errors);
  return 0;
}
