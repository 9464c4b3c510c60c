#include "vault/pii/anonymization/policy.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <random>

namespace vault::pii {
namespace {

constexpr std::string_view kJson = R"({
  "action": "anonymize",
  "min_confidence": 0.6,
  "entities": ["EMAIL_ADDRESS", "CREDIT_CARD", "US_SSN", "DATE_TIME"],
  "default": {"operator": "replace"},
  "rules": {"EMAIL_ADDRESS": {"operator": "pseudonymize"},
            "CREDIT_CARD": {"operator": "mask", "keep_last": 4, "char": "#"},
            "US_SSN": {"operator": "fpe"},
            "DATE_TIME": {"operator": "generalize", "to": "year_month"},
            "PHONE_NUMBER": {"operator": "hash", "length": 16}}
})";

constexpr std::string_view kYaml = R"(
action: anonymize
min_confidence: 0.6
entities: [EMAIL_ADDRESS, CREDIT_CARD, US_SSN, DATE_TIME]
default:
  operator: replace
rules:
  EMAIL_ADDRESS: {operator: pseudonymize}
  CREDIT_CARD:
    operator: mask
    keep_last: 4
    char: "#"
  US_SSN: {operator: fpe}
  DATE_TIME: {operator: generalize, to: year_month}
  PHONE_NUMBER: {operator: hash, length: 16}
)";

std::string error_of(std::string_view json) {
  auto p = parse_policy_json(json);
  if (p) return "";
  EXPECT_EQ(p.error().kind(), ErrorKind::Validation);
  return p.error().message();
}

TEST(PolicyTest, ParsesJson) {
  auto p = parse_policy_json(kJson);
  ASSERT_TRUE(p) << p.error().message();
  EXPECT_EQ(p->action, PolicyAction::Anonymize);
  EXPECT_DOUBLE_EQ(p->min_confidence, 0.6);
  EXPECT_EQ(p->entities.size(), 4u);
  EXPECT_EQ(p->default_operator.kind, OperatorKind::Replace);
  EXPECT_EQ(p->operator_for("EMAIL_ADDRESS").kind, OperatorKind::Pseudonymize);
  const auto& mask = p->operator_for("CREDIT_CARD");
  EXPECT_EQ(mask.kind, OperatorKind::Mask);
  EXPECT_EQ(mask.keep_last, std::optional<std::size_t>(4));
  EXPECT_EQ(mask.mask_char, "#");
  EXPECT_EQ(p->operator_for("DATE_TIME").generalize_to, GeneralizeTo::YearMonth);
  EXPECT_EQ(p->operator_for("PHONE_NUMBER").hash_length, 16u);
  EXPECT_EQ(p->operator_for("IBAN_CODE").kind, OperatorKind::Replace);  // default
}

TEST(PolicyTest, YamlAndJsonGiveTheSamePolicy) {
  auto j = parse_policy_json(kJson);
  auto y = parse_policy_yaml(kYaml);
  ASSERT_TRUE(j);
  ASSERT_TRUE(y) << y.error().message();
  EXPECT_EQ(*j, *y);
}

TEST(PolicyTest, ToJsonRoundTrips) {
  auto p = parse_policy_json(kJson);
  ASSERT_TRUE(p);
  auto again = parse_policy(p->to_json());
  ASSERT_TRUE(again) << again.error().message();
  EXPECT_EQ(*p, *again);
  auto obj = p->to_json();
  EXPECT_EQ(obj.at("action").as_string(), "anonymize");
  EXPECT_EQ(obj.at("rules").at("US_SSN").at("operator").as_string(), "fpe");
}

TEST(PolicyTest, DefaultsForEmptyObject) {
  auto p = parse_policy_json("{}");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->action, PolicyAction::Flag);
  EXPECT_DOUBLE_EQ(p->min_confidence, 0.5);
  EXPECT_TRUE(p->entities.empty());
  EXPECT_EQ(p->default_operator.kind, OperatorKind::Replace);
}

TEST(PolicyTest, ErrorsNameTheBadField) {
  EXPECT_NE(error_of(R"({"action": "delete"})").find("action"), std::string::npos);
  EXPECT_NE(error_of(R"({"min_confidence": 1.5})").find("min_confidence"), std::string::npos);
  EXPECT_NE(error_of(R"({"min_confidence": "high"})").find("min_confidence"), std::string::npos);
  EXPECT_NE(error_of(R"({"entities": "EMAIL"})").find("entities"), std::string::npos);
  EXPECT_NE(error_of(R"({"entities": ["A", 3]})").find("entities[1]"), std::string::npos);
  EXPECT_NE(error_of(R"({"rules": {"X": {"operator": "shred"}}})").find("rules.X.operator"), std::string::npos);
  EXPECT_NE(error_of(R"({"rules": {"X": {}}})").find("rules.X.operator"), std::string::npos);
  EXPECT_NE(error_of(R"({"rules": {"X": {"operator": "hash", "keep_last": 2}}})").find("rules.X.keep_last"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"rules": {"X": {"operator": "mask", "keep_last": -1}}})").find("rules.X.keep_last"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"rules": {"X": {"operator": "mask", "char": "**"}}})").find("rules.X.char"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"rules": {"X": {"operator": "hash", "length": 4}}})").find("rules.X.length"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"rules": {"X": {"operator": "fpe", "tweak": "abc"}}})").find("rules.X.tweak"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"rules": {"X": {"operator": "generalize", "to": "decade"}}})").find("rules.X.to"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"default": {"operator": "replace", "value": 7}})").find("default.value"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"colour": "red"})").find("colour"), std::string::npos);
  EXPECT_NE(error_of("[1,2]").find("policy"), std::string::npos);
  EXPECT_NE(error_of("{not json").find("JSON"), std::string::npos);
}

TEST(PolicyTest, BadYamlIsValidation) {
  auto p = parse_policy_yaml("action: [unclosed");
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().kind(), ErrorKind::Validation);
  auto q = parse_policy_yaml("rules:\n  X:\n    operator: mask\n    keep_last: many\n");
  ASSERT_FALSE(q);
  EXPECT_NE(q.error().message().find("rules.X.keep_last"), std::string::npos);
}

TEST(PolicyTest, YamlAliasBombIsRejected) {
  std::string y = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int i = 1; i < 9; ++i) {
    y += "a" + std::to_string(i) + ": &a" + std::to_string(i) + " [";
    for (int j = 0; j < 10; ++j) y += std::string(j ? ", " : "") + "*a" + std::to_string(i - 1);
    y += "]\n";
  }
  auto p = parse_policy_yaml(y);
  ASSERT_FALSE(p);
  EXPECT_NE(p.error().message().find("too large"), std::string::npos);
}

TEST(PolicyTest, YamlQuotedNumbersStayStrings) {
  auto p = parse_policy_yaml("rules:\n  X: {operator: replace, value: \"123\"}\n");
  ASSERT_TRUE(p) << p.error().message();
  EXPECT_EQ(p->operator_for("X").value, std::optional<std::string>("123"));
  auto q = parse_policy_yaml("rules:\n  X: {operator: replace, value: 123}\n");
  EXPECT_FALSE(q);  // plain 123 is an integer, not a string
}

TEST(PolicyTest, AppliesToAndScanOptions) {
  auto p = parse_policy_json(R"({"min_confidence": 0.7, "entities": ["EMAIL_ADDRESS"]})");
  ASSERT_TRUE(p);
  Finding f;
  f.entity = "EMAIL_ADDRESS";
  f.score = 0.8;
  EXPECT_TRUE(p->applies_to(f));
  f.score = 0.6;
  EXPECT_FALSE(p->applies_to(f));
  f.entity = "CREDIT_CARD";
  f.score = 1.0;
  EXPECT_FALSE(p->applies_to(f));
  auto o = p->scan_options();
  EXPECT_EQ(o.entities, std::vector<std::string>{"EMAIL_ADDRESS"});
  EXPECT_DOUBLE_EQ(o.min_score, 0.7);
}

// Mutated inputs never crash the parsers and only ever fail with Validation.
TEST(PolicyTest, MutatedInputsFailCleanly) {
  std::mt19937 rng(7);
  const std::string bytes = "{}[]:,\"' \n-#&*!|>0123456789.abcxyz_";
  int ok = 0;
  for (int i = 0; i < 3000; ++i) {
    std::string text(i % 2 ? kJson : kYaml);
    for (int m = 0; m < 1 + static_cast<int>(rng() % 4); ++m) {
      std::size_t pos = rng() % text.size();
      switch (rng() % 3) {
        case 0: text[pos] = bytes[rng() % bytes.size()]; break;
        case 1: text.erase(pos, 1 + rng() % 8); break;
        default: text.insert(pos, 1, bytes[rng() % bytes.size()]); break;
      }
    }
    auto p = i % 2 ? parse_policy_json(text) : parse_policy_yaml(text);
    if (p) {
      ++ok;
      auto again = parse_policy(p->to_json());
      ASSERT_TRUE(again);
      EXPECT_EQ(*again, *p);
    } else {
      EXPECT_EQ(p.error().kind(), ErrorKind::Validation);
    }
  }
  EXPECT_GT(ok, 0);
}

TEST(PolicyTest, OperatorNamesRoundTrip) {
  for (auto k : {OperatorKind::Keep, OperatorKind::Redact, OperatorKind::Replace, OperatorKind::Mask,
                 OperatorKind::Hash, OperatorKind::Pseudonymize, OperatorKind::Tokenize, OperatorKind::Fpe,
                 OperatorKind::Generalize, OperatorKind::Encrypt}) {
    auto back = parse_operator_kind(operator_name(k));
    ASSERT_TRUE(back);
    EXPECT_EQ(*back, k);
  }
  EXPECT_FALSE(parse_operator_kind("Mask"));
  EXPECT_TRUE(is_reversible(OperatorKind::Fpe));
  EXPECT_FALSE(is_reversible(OperatorKind::Hash));
}

}  // namespace
}  // namespace vault::pii
