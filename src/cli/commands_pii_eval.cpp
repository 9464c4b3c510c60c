// `vault pii eval DATA.json`: the detector and the anonymizer measured on
// labelled text in the presidio-research format (offline): per label,
// precision / recall / F1 with overlap and exact matching, and the leak rate
// (labelled values still verbatim in the anonymized text), with the policy
// of `vault anonymize` (default: replace every entity scored >= 0.5, what the
// server's POST /api/v1/pii/anonymize does).
#include "cli/anonymize_setup.hpp"
#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "vault/pii/detection/evaluation.hpp"

#include <openssl/rand.h>

#include <boost/json.hpp>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

namespace vault::cli {
namespace {

struct EvalCliOpts {
  std::string input;
  anon::PolicyOptions policy;
  std::vector<std::string> maps;  // OURS=LABEL
  std::string key_file;
  std::vector<std::string> show_leaks;  // labels whose leaked values are listed
};

std::string pct(double v) {
  char b[16];
  std::snprintf(b, sizeof b, "%.1f%%", 100 * v);
  return b;
}

std::string fixed(double v) {
  char b[16];
  std::snprintf(b, sizeof b, "%.3f", v);
  return b;
}

boost::json::object counts_json(const pii::eval::Counts& c) {
  return {{"labelled", c.gold},       {"found", c.found},
          {"found_exact", c.found_exact}, {"predicted", c.pred},
          {"correct", c.correct},     {"correct_exact", c.exact},
          {"precision", c.precision()}, {"recall", c.recall()},
          {"f1", c.f1()},             {"exact_precision", c.exact_precision()},
          {"exact_recall", c.exact_recall()}, {"exact_f1", c.exact_f1()},
          {"leaked", c.leaked},       {"leak_rate", c.leak_rate()}};
}

int run_pii_eval(const Context& ctx, const EvalCliOpts& o) {
  std::ifstream in(o.input, std::ios::binary);
  if (!in) return usage_error("cannot read " + o.input);
  std::stringstream ss;
  ss << in.rdbuf();
  boost::system::error_code ec;
  boost::json::value doc = boost::json::parse(ss.str(), ec);
  if (ec) return usage_error(o.input + ": not JSON (" + ec.message() + ")");
  auto texts = pii::eval::parse_labelled(doc);
  if (!texts) return usage_error(o.input + ": " + texts.error().message());

  auto catalogue = pii::Catalogue::defaults();
  const auto known = catalogue.entities();
  auto policy = anon::build_policy(o.policy, known);
  if (!policy) return usage_error(policy.error());
  bool needs_keys = false;
  if (auto bad = anon::check_operators(*policy, needs_keys)) return usage_error(*bad);
  pii::AnonymizerKeys keys;
  if (needs_keys) {
    if (!o.key_file.empty() || std::getenv(anon::kKeyEnv)) {
      auto k = anon::load_keys(o.key_file, "eval");
      if (!k) return usage_error(k.error());
      keys = std::move(*k);
    } else {  // a key for this run only: the figures do not depend on it
      std::uint8_t master[32];
      if (RAND_bytes(master, sizeof master) != 1) return usage_error("no random bytes for an evaluation key");
      auto k = pii::derive_anonymizer_keys(crypto::ByteView(master, sizeof master), "eval");
      if (!k) return usage_error(k.error().message());
      keys = std::move(*k);
    }
  }

  // Our entities and the data's labels: ours by name, plus --map.
  pii::eval::EvalOptions eo;
  eo.mapping = pii::eval::default_mapping(known);
  for (const auto& m : o.maps) {
    auto eq = m.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == m.size())
      return usage_error("--map takes OURS=LABEL, e.g. LOCATION=GPE");
    const std::string ours = m.substr(0, eq);
    if (!std::binary_search(known.begin(), known.end(), ours)) return usage_error("unknown entity " + ours);
    eo.mapping[ours] = m.substr(eq + 1);
  }
  // Location-like labels find each other; rows still count each label.
  eo.match_class = pii::eval::location_match_class;
  eo.min_score = policy->min_confidence;
  pii::AnonymizerContext actx;
  actx.keys = needs_keys ? &keys : nullptr;
  actx.tenant_id = "eval";
  std::size_t failures = 0;
  eo.anonymize = [&](std::string_view text, const std::vector<pii::Finding>& findings) -> std::string {
    auto out = pii::anonymize_text(text, findings, *policy, actx);
    if (out) return std::move(*out);
    ++failures;
    return std::string(text);  // counted as leaking everything: never flatter
  };

  // Leaked values of the labels asked for, listed after the table (the
  // user's own data on the user's own terminal: nothing leaves the machine).
  std::vector<std::pair<std::string, std::string>> leaks;  // label, "value" in: text
  if (!o.show_leaks.empty())
    eo.on_leak = [&](std::string_view label, std::string_view value, std::string_view text) {
      if (std::find(o.show_leaks.begin(), o.show_leaks.end(), label) == o.show_leaks.end() &&
          std::find(o.show_leaks.begin(), o.show_leaks.end(), "ALL") == o.show_leaks.end())
        return;
      std::string line = "\"" + std::string(value) + "\" in: ";
      for (char ch : text.substr(0, 160)) line.push_back(ch == '\n' ? ' ' : ch);
      leaks.emplace_back(std::string(label), std::move(line));
    };
  auto scanner = pii::Scanner::create(catalogue, {.compile_cache_dir = scanner_cache_dir()});
  if (!scanner) return usage_error(scanner.error().message());
  const pii::eval::Report r = pii::eval::score(**scanner, *texts, eo);

  // Rows: every label of the data, then the totals.
  pii::eval::Counts all;
  for (const auto& [label, c] : r.by_type) all += c;
  const std::string op = pii::operator_spec_to_json(policy->default_operator).at("operator").as_string().c_str();
  boost::json::array calibration;  // what a score means on this data
  for (std::size_t b = 0; b < r.by_score.size(); ++b)
    if (r.by_score[b].findings)
      calibration.push_back(boost::json::object{{"min_score", b / 10.0},
                                                {"max_score", (b + 1) / 10.0},
                                                {"findings", r.by_score[b].findings},
                                                {"correct", r.by_score[b].correct},
                                                {"precision", r.by_score[b].precision()}});
  if (ctx.format() == Format::Json) {
    boost::json::object labels;
    for (const auto& [label, c] : r.by_type) labels[label] = counts_json(c);
    boost::json::object mapping;
    for (const auto& [ours, theirs] : eo.mapping) mapping[ours] = theirs;
    std::cout << boost::json::serialize(boost::json::object{{"file", o.input},
                                                            {"texts", r.texts},
                                                            {"min_confidence", policy->min_confidence},
                                                            {"operator", op},
                                                            {"labels", std::move(labels)},
                                                            {"all", counts_json(all)},
                                                            {"anonymize_failures", failures},
                                                            {"calibration", calibration},
                                                            {"mapping", std::move(mapping)}})
              << '\n';
    return exit_code::ok;
  }
  boost::json::array rows;
  auto row = [&](const std::string& label, const pii::eval::Counts& c) {
    rows.push_back(boost::json::object{{"label", label},
                                       {"labelled", c.gold},
                                       {"predicted", c.pred},
                                       {"precision", fixed(c.precision())},
                                       {"recall", fixed(c.recall())},
                                       {"f1", fixed(c.f1())},
                                       {"exact_p", fixed(c.exact_precision())},
                                       {"exact_r", fixed(c.exact_recall())},
                                       {"exact_f1", fixed(c.exact_f1())},
                                       {"leaked", c.leaked},
                                       {"leak", pct(c.leak_rate())}});
  };
  for (const auto& [label, c] : r.by_type) row(label, c);
  row("ALL", all);
  std::cout << o.input << ": " << r.texts << " texts; findings scored >= " << policy->min_confidence
            << ", anonymized with " << op << "\n";
  print_table(std::cout, rows,
              {{"label", "label"}, {"labelled", "labelled"}, {"predicted", "predicted"}, {"P", "precision"},
               {"R", "recall"}, {"F1", "f1"}, {"exact P", "exact_p"}, {"exact R", "exact_r"},
               {"exact F1", "exact_f1"}, {"leaked", "leaked"}, {"leak", "leak"}});
  std::cout << "(overlap: a finding is correct when it overlaps a labelled span of its class (LOCATION, ADDRESS,\n"
               " GPE, LOC are one class); a span is found when such a finding overlaps it. leak: labelled values\n"
               " still verbatim in the anonymized text. A label no entity maps to has no predictions.)\n";
  if (failures) std::cout << "anonymization failed on " << failures << " texts (counted as leaking)\n";
  boost::json::array bands;
  for (std::size_t b = 0; b < r.by_score.size(); ++b) {
    const auto& band = r.by_score[b];
    if (!band.findings) continue;
    char label[16];
    std::snprintf(label, sizeof label, "[%.1f, %.1f)", b / 10.0, (b + 1) / 10.0);
    bands.push_back(boost::json::object{{"band", label},
                                        {"findings", band.findings},
                                        {"correct", band.correct},
                                        {"precision", fixed(band.precision())}});
  }
  std::cout << "\nscore calibration (findings of the scored entities by score, and how many were correct):\n";
  print_table(std::cout, bands,
              {{"score", "band"}, {"findings", "findings"}, {"correct", "correct"}, {"precision", "precision"}});
  for (const auto& [label, line] : leaks) std::cout << "LEAK " << label << ' ' << line << '\n';
  return exit_code::ok;
}

}  // namespace

void add_pii_commands(CLI::App& root, Context& ctx) {
  auto* pii = root.add_subcommand("pii", "PII detection tools (offline)");
  pii->require_subcommand(1);
  auto o = std::make_shared<EvalCliOpts>();
  auto* c = pii->add_subcommand(
      "eval", "Measure detection (precision/recall/F1) and anonymization (leak rate) on labelled JSON");
  c->footer(
      "DATA is a JSON array in the presidio-research format: [{\"full_text\": ..., \"spans\": [{\"entity_type\",\n"
      "\"start_position\", \"end_position\"}]}] with offsets in code points. Our entities count for the label of\n"
      "the same name (URL for DOMAIN_NAME); --map adds others. The policy options are those of vault anonymize\n"
      "(default: replace every entity scored >= 0.5, as POST /api/v1/pii/anonymize). Operators that need a key\n"
      "get a random one unless --key-file or VAULT_ANONYMIZE_KEY is given.\n");
  c->add_option("data", o->input, "labelled data file (JSON)")->required();
  c->add_option("--map", o->maps, "count our entity OURS for the data's label LABEL (OURS=LABEL, repeatable)");
  auto* strategy = c->add_option("--strategy", o->policy.strategy, "one operator for every entity (default: replace)");
  c->add_option("--param", o->policy.params, "operator parameter KEY=VALUE (repeatable)");
  auto* op = c->add_option("--operator", o->policy.operator_json, "operator for every entity as JSON, or @FILE");
  strategy->excludes(op);
  c->add_option("--policy", o->policy.policy_file, "policy file (YAML, or JSON for *.json)");
  c->add_option("--entities", o->policy.entities, "only these entities, comma-separated")->delimiter(',');
  c->add_option("--min-confidence", o->policy.min_confidence, "findings scored below X are ignored (default 0.5)")
      ->check(CLI::Range(0.0, 1.0));
  c->add_option("--show-leaks", o->show_leaks,
                "list the leaked values of these labels (comma-separated, ALL for every label) after the table")
      ->delimiter(',');
  c->add_option("--key-file", o->key_file, "32-byte key file (vault keygen) for hash/pseudonymize/fpe/encrypt");
  c->callback([&ctx, o] { ctx.action = [&ctx, o] { return run_pii_eval(ctx, *o); }; });
}

}  // namespace vault::cli
