// Runs Presidio's recognizer cases (../shared/data/pii, read at run time)
// through the default catalogue and guards the pass rate reached so far.
#include "vault/pii/detection/scanner.hpp"

#include "test_scanner.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <set>

namespace vault::pii {
namespace {

TEST(RecognizerCases, PassRateStaysAboveBaseline) {
  std::ifstream in(VAULT_SOURCE_DIR "/../shared/data/pii/presidio_recognizer_cases.jsonl");
  // CI always has the data: a missing file is a failure, not a skip.
  ASSERT_TRUE(in) << "evaluation data missing: " VAULT_SOURCE_DIR "/../shared/data/pii/presidio_recognizer_cases.jsonl";
  const auto& scanner = testing::default_scanner();
  int pass = 0, total = 0;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    auto v = boost::json::parse(line).as_object();
    std::string entity(v["entities"].as_array()[0].as_string());
    std::string text(v["text"].as_string());
    int expected = v["expected_count"].to_number<int>();
    ScanOptions o;
    o.entities = {entity};
    o.code_point_offsets = true;
    auto found = scanner.scan_text(text, o);
    bool ok;
    if (v["kind"].as_string() == "validate") {
      bool whole = std::any_of(found.begin(), found.end(),
                               [&](const Finding& f) { return f.begin == 0 && f.end == text.size(); });
      ok = (expected == 1) == whole;
    } else {
      ok = static_cast<int>(found.size()) == expected;
      if (ok && expected > 0 && v["expected_spans"].is_array() && !v["expected_spans"].as_array().empty()) {
        std::set<std::pair<std::size_t, std::size_t>> want, got;
        for (auto& s : v["expected_spans"].as_array())
          want.insert({s.as_array()[0].to_number<std::size_t>(), s.as_array()[1].to_number<std::size_t>()});
        for (auto& f : found) got.insert({f.cp_begin, f.cp_end});
        ok = static_cast<int>(want.size()) == expected ? want == got
                                                       : std::includes(got.begin(), got.end(), want.begin(), want.end());
      }
    }
    ++total;
    pass += ok;
  }
  ASSERT_EQ(total, 1129);
  // 1118 / 1129 (99.0%) when this guard was set (issue 14; `build/bin/pii_eval`
  // prints the same figure); the remaining failures are contradictory cases
  // (same input, different expectations) and validate-cases of helper
  // functions (PAN inside GSTIN tests, ZA dates). The floor allows 3 cases of
  // slack (the former 0.97 let ~20 regress unnoticed).
  EXPECT_GE(pass, 1115) << pass << "/" << total;
}

}  // namespace
}  // namespace vault::pii
