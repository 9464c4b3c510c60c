#include "vault/pii/detection/scanner.hpp"

#include "test_scanner.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

namespace vault::pii {
namespace {

using testing::default_scanner;

const JsonFinding* find(const std::vector<JsonFinding>& fs, std::string_view entity, std::string_view path) {
  for (auto& f : fs)
    if (f.finding.entity == entity && f.path == path) return &f;
  return nullptr;
}

TEST(JsonScan, ReportsPointersAndSpansInsideValues) {
  auto v = boost::json::parse(R"({"user":{"email":"Contact: jane@example.org","tags":["x","ip 10.1.2.3"]},
                                   "a/b":{"c~d":"4111111111111111"}})");
  auto fs = default_scanner().scan_json(v);
  auto* email = find(fs, "EMAIL_ADDRESS", "/user/email");
  ASSERT_NE(email, nullptr);
  EXPECT_EQ(email->finding.begin, 9u);
  EXPECT_EQ(email->finding.end, 25u);
  EXPECT_NE(find(fs, "IP_ADDRESS", "/user/tags/1"), nullptr);
  EXPECT_NE(find(fs, "CREDIT_CARD", "/a~1b/c~0d"), nullptr);
}

TEST(JsonScan, KeysAreScannedAndMarked) {
  auto v = boost::json::parse(R"({"jane@example.org":true,"user":{"ssn 078-05-1123":1},"email":"x"})");
  auto fs = default_scanner().scan_json(v);
  auto* email = find(fs, "EMAIL_ADDRESS", "/jane@example.org");
  ASSERT_NE(email, nullptr);
  EXPECT_TRUE(email->in_key);
  EXPECT_EQ(email->finding.begin, 0u);
  EXPECT_EQ(email->finding.end, 16u);
  bool ssn_in_key = false;
  for (const auto& f : fs)
    if (f.finding.entity == "US_SSN" && f.path == "/user/ssn 078-05-1123" && f.in_key) ssn_in_key = true;
  EXPECT_TRUE(ssn_in_key);
  // Ordinary field names hold nothing; values are not marked as keys.
  for (const auto& f : fs) EXPECT_FALSE(f.path == "/email" || f.path == "/user");
}

TEST(JsonScan, FieldNameIsContext) {
  ScanOptions o;
  o.entities = {"US_SSN"};
  auto with = default_scanner().scan_json(boost::json::parse(R"({"ssn":"078-05-1123"})"), o);
  auto without = default_scanner().scan_json(boost::json::parse(R"({"value":"078-05-1123"})"), o);
  ASSERT_EQ(with.size(), 1u);
  ASSERT_EQ(without.size(), 1u);
  EXPECT_GT(with[0].finding.score, without[0].finding.score);
}

TEST(JsonScan, RepeatedShortLeavesGiveTheSameAnswersAsFreshScans) {
  // Short leaves are answered from a per-thread cache the second time: the
  // answer must not depend on whether it was cached, and the key must hold
  // the field names, the options and the scanner.
  const auto doc = boost::json::parse(
      R"([{"ssn":"078-05-1123","value":"078-05-1123","role":"Maria Garcia"},
          {"ssn":"078-05-1123","value":"078-05-1123","role":"Maria Garcia"}])");
  ScanOptions o;
  o.entities = {"US_SSN", "PERSON"};
  auto fs = default_scanner().scan_json(doc, o);
  auto score_at = [&fs](std::string_view path) {
    for (const auto& f : fs)
      if (f.path == path) return f.finding.score;
    return -1.0;
  };
  // the second record (cache hits) reports what the first did, at its own paths
  EXPECT_EQ(score_at("/0/ssn"), score_at("/1/ssn"));
  EXPECT_EQ(score_at("/0/value"), score_at("/1/value"));
  EXPECT_GT(score_at("/1/ssn"), score_at("/1/value"));  // same text, other field: other answer
  EXPECT_NE(find(fs, "PERSON", "/1/role"), nullptr);
  // other options: not the cached answer
  ScanOptions only_ssn;
  only_ssn.entities = {"US_SSN"};
  for (const auto& f : default_scanner().scan_json(doc, only_ssn)) EXPECT_EQ(f.finding.entity, "US_SSN");
  ScanOptions high;
  high.min_score = 0.99;
  EXPECT_TRUE(default_scanner().scan_json(boost::json::parse(R"({"value":"078-05-1123"})"), high).empty());
  // another scanner (another catalogue): its own answers
  const Catalogue defaults = Catalogue::defaults();
  Catalogue only_email;
  for (const auto& r : defaults.recognizers()) {
    if (r.entity == "EMAIL_ADDRESS") {
      ASSERT_TRUE(only_email.add(r));
    }
  }
  auto other = Scanner::create(only_email, {.compile_cache_dir = testing::test_cache_dir()});
  ASSERT_TRUE(other);
  EXPECT_TRUE((*other)->scan_json(doc).empty());
}

TEST(JsonScan, NumbersAreScannedAsText) {
  auto fs = default_scanner().scan_json(boost::json::parse(R"({"card": 4111111111111111, "n": 1.5})"));
  auto* card = find(fs, "CREDIT_CARD", "/card");
  ASSERT_NE(card, nullptr);
  EXPECT_EQ(card->finding.end - card->finding.begin, 16u);
}

TEST(JsonScan, SecretUnderKeyLikeField) {
  auto fs = default_scanner().scan_json(boost::json::parse(R"({"config":{"api_key":"Zx8fQ2lK9vR4tW1mN6pB3sD7"}})"));
  EXPECT_NE(find(fs, "GENERIC_SECRET", "/config/api_key"), nullptr);
  auto none = default_scanner().scan_json(boost::json::parse(R"({"config":{"color":"Zx8fQ2lK9vR4tW1mN6pB3sD7"}})"));
  EXPECT_EQ(find(none, "GENERIC_SECRET", "/config/color"), nullptr);
}

TEST(JsonScan, DeepNestingDoesNotOverflow) {
  std::string s;
  for (int i = 0; i < 2000; ++i) s += "[";
  s += "\"a@b.example.com\"";
  for (int i = 0; i < 2000; ++i) s += "]";
  boost::json::parse_options po;
  po.max_depth = 5000;
  auto v = boost::json::parse(s, {}, po);
  EXPECT_NO_THROW((void)default_scanner().scan_json(v));
}

}  // namespace
}  // namespace vault::pii
