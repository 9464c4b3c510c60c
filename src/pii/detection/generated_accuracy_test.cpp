// Accuracy guards on the held-out GUARD split of
// ../shared/data/pii/presidio_research_generated_large.json (read at run time):
// sentences i % 5 == 4, see generated_eval.hpp. Tuning looks at the DEV split
// only; these floors are the figures measured on the guard split when they
// were set, minus a small margin, so a regression of a few findings fails.
#include "generated_eval.hpp"
#include "test_scanner.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string_view>

namespace vault::pii {
namespace {

constexpr const char* kDataFile = VAULT_SOURCE_DIR "/../shared/data/pii/presidio_research_generated_large.json";

const eval::Report& guard_report() {
  static const eval::Report r = [] {
    std::ifstream in(kDataFile, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    if (!in || ss.str().empty()) return eval::Report{};
    return eval::score(testing::default_scanner(), boost::json::parse(ss.str()), eval::Split::Guard, 0.4);
  }();
  return r;
}

struct Floor {
  const char* type;  // annotation type, or "SUPPORTED" (every type)
  double recall, precision, recall_strict;  // < 0: not guarded
};

// Measured on the guard split when these floors were set (issue 13: common
// words from wamerican, context cues, postal codes, signature-block
// organisations), overlap matching, min score 0.4:
//   build/bin/pii_eval --split guard
//   type           gold  pred  P      R      R-strict
//   PERSON          251   249  0.847  0.841  0.841
//   LOCATION        126   194  0.938  0.905  0.905
//   ADDRESS         208   202  1.000  0.875  0.851
//   ORGANIZATION     68    31  1.000  0.485  0.485
//   SUPPORTED       796   831  0.925  0.858  0.852
// Floors: the measured figure minus about 0.02-0.03 (2-3 annotations of the
// smaller types). Raise them when the detector improves on the guard split;
// never tune on guard sentences to get there.
constexpr Floor kFloors[] = {
    {"PERSON", 0.81, 0.82, -1},
    {"LOCATION", 0.88, 0.91, -1},
    {"ADDRESS", 0.85, 0.98, 0.83},  // R-strict: found as ADDRESS, not as LOCATION
    {"ORGANIZATION", 0.45, 0.95, -1},
    {"SUPPORTED", 0.835, 0.905, -1},
};

TEST(GeneratedAccuracy, GuardSplitIsThere) {
  // CI always has the data: a missing file is a failure, not a skip.
  ASSERT_TRUE(std::ifstream(kDataFile).good()) << "evaluation data missing: " << kDataFile
                                               << " (../shared/data/pii must be present)";
  EXPECT_EQ(guard_report().texts, 421);  // 2,109 sentences, every 5th held out
}

TEST(GeneratedAccuracy, PerEntityFloorsOnGuardSplit) {
  const auto& r = guard_report();
  ASSERT_GT(r.texts, 0) << "evaluation data missing or empty: " << kDataFile;
  for (const auto& f : kFloors) {
    SCOPED_TRACE(f.type);
    eval::Counts c;
    if (std::string_view(f.type) == "SUPPORTED") {
      for (const auto& [t, x] : r.by_type)
        c += x;
    } else {
      auto it = r.by_type.find(f.type);
      ASSERT_NE(it, r.by_type.end());
      c = it->second;
    }
    ASSERT_GT(c.gold, 0);
    EXPECT_GE(c.recall(), f.recall) << c.found << "/" << c.gold << " annotations found";
    if (f.precision >= 0) {
      EXPECT_GE(c.precision(), f.precision) << c.correct << "/" << c.pred << " findings correct";
    }
    if (f.recall_strict >= 0) {
      EXPECT_GE(c.recall_strict(), f.recall_strict) << c.found_strict << "/" << c.gold << " found with the same type";
    }
  }
}

}  // namespace
}  // namespace vault::pii
