#include "vault/pii/detection/catalogue.hpp"
#include "vault/pii/detection/scanner.hpp"

#include <gtest/gtest.h>

namespace vault::pii {
namespace {

RecognizerSpec employee_id() {
  RecognizerSpec r;
  r.name = "employee_id";
  r.entity = "EMPLOYEE_ID";
  PatternSpec p;
  p.regex = R"(EMP-\d{6})";
  p.score = 0.3;
  r.patterns.push_back(p);
  r.context = {"Employee"};
  return r;
}

TEST(Catalogue, CustomRecognizerWithContext) {
  Catalogue c;
  ASSERT_TRUE(c.add(employee_id()));
  Scanner s(c);
  auto plain = s.scan_text("id EMP-123456");
  auto ctx = s.scan_text("employee EMP-123456");
  ASSERT_EQ(plain.size(), 1u);
  EXPECT_EQ(plain[0].entity, "EMPLOYEE_ID");
  EXPECT_DOUBLE_EQ(plain[0].score, 0.3);
  ASSERT_EQ(ctx.size(), 1u);
  EXPECT_NEAR(ctx[0].score, 0.65, 1e-9);  // context words are matched case-insensitively
  EXPECT_TRUE(s.scan_text("xEMP-123456").empty());  // word boundary post-check
}

TEST(Catalogue, CustomRecognizerWithValidator) {
  Catalogue c;
  RecognizerSpec r;
  r.entity = "LOYALTY_CARD";
  r.validator = "luhn";
  PatternSpec p;
  p.regex = R"(\d{11})";
  r.patterns.push_back(p);
  ASSERT_TRUE(c.add(r));
  Scanner s(c);
  auto ok = s.scan_text("79927398713");
  ASSERT_EQ(ok.size(), 1u);
  EXPECT_DOUBLE_EQ(ok[0].score, 1.0);
  EXPECT_TRUE(s.scan_text("79927398710").empty());
}

TEST(Catalogue, RejectsBadSpecs) {
  Catalogue c;
  auto r = employee_id();
  r.validator = "nope";
  EXPECT_FALSE(c.add(r));
  r = employee_id();
  r.patterns.clear();
  EXPECT_FALSE(c.add(r));
  r = employee_id();
  r.entity.clear();
  EXPECT_FALSE(c.add(r));
  ASSERT_TRUE(c.add(employee_id()));
  EXPECT_FALSE(c.add(employee_id()));  // duplicate name
}

TEST(Catalogue, UncompilablePatternIsSkippedNotFatal) {
  Catalogue c;
  ASSERT_TRUE(c.add(employee_id()));
  RecognizerSpec bad;
  bad.name = "lookbehind";
  bad.entity = "BAD";
  PatternSpec p;
  p.regex = R"((?<=x)abc)";
  bad.patterns.push_back(p);
  ASSERT_TRUE(c.add(bad));
  Scanner s(c);
  ASSERT_EQ(s.skipped().size(), 1u);
  EXPECT_EQ(s.skipped()[0].name, "lookbehind#0");
  EXPECT_EQ(s.scan_text("EMP-123456").size(), 1u);
}

TEST(Catalogue, RemoveAndEntities) {
  auto c = Catalogue::defaults();
  EXPECT_GT(c.remove_entity("CREDIT_CARD"), 0u);
  auto e = c.entities();
  EXPECT_TRUE(std::find(e.begin(), e.end(), "CREDIT_CARD") == e.end());
  EXPECT_TRUE(std::find(e.begin(), e.end(), "PERSON") != e.end());
}

TEST(Gitleaks, ParsesRulesAndSkipsUncompilable) {
  constexpr std::string_view toml = R"toml(
title = "test rules"

[[rules]]
id = "acme-token"
description = "Acme API token"
regex = '''acme_[a-z0-9]{24}'''
keywords = [
  "acme_",
]
entropy = 3.0

[rules.allowlist]
regexes = ['''acme_000000000000000000000000''']

[[rules]]
id = "basic-escapes"
regex = "tok\\-[A-F0-9]{8}"
keywords = ["tok-"]

[[rules]]
id = "lookahead-rule"  # Vectorscan cannot do lookarounds
regex = '''(?=abc)abc'''

[[rules]]
id = "path-only"
path = '''\.pem$'''

[allowlist]
paths = ['''vendor/''']
)toml";
  auto rules = parse_gitleaks_toml(toml);
  ASSERT_TRUE(rules) << rules.error().message();
  ASSERT_EQ(rules->size(), 3u);
  EXPECT_EQ((*rules)[0].name, "gitleaks:acme-token");
  EXPECT_EQ((*rules)[0].patterns[0].regex, "acme_[a-z0-9]{24}");
  EXPECT_EQ((*rules)[0].required_keywords, std::vector<std::string>{"acme_"});
  EXPECT_DOUBLE_EQ((*rules)[0].min_entropy, 3.0);
  EXPECT_EQ((*rules)[1].patterns[0].regex, "tok\\-[A-F0-9]{8}");

  Catalogue c;
  for (auto& r : *rules) ASSERT_TRUE(c.add(r));
  Scanner s(c);
  ASSERT_EQ(s.skipped().size(), 1u);
  EXPECT_EQ(s.skipped()[0].name, "gitleaks:lookahead-rule");
  auto fs = s.scan_text("key acme_k3j9x2m8q7w1z5v4b6n0p2r8 and tok-DEADBEEF");
  ASSERT_EQ(fs.size(), 2u);
  EXPECT_EQ(fs[0].entity, "SECRET");
  EXPECT_TRUE(s.scan_text("acme_aaaaaaaaaaaaaaaaaaaaaaaa").empty());  // entropy too low
}

TEST(Gitleaks, MalformedTomlFails) {
  EXPECT_FALSE(parse_gitleaks_toml("[[rules]]\nid = \"x\nregex = 'a'"));
  EXPECT_FALSE(parse_gitleaks_toml("[[rules]]\njust garbage\n"));
}

}  // namespace
}  // namespace vault::pii
