#include "vault/pii/detection/custom_recognizers.hpp"

#include "vault/pii/detection/catalogue.hpp"
#include "vault/pii/detection/scanner.hpp"

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

namespace vault::pii {
namespace {

constexpr std::string_view kYaml = R"(
recognizers:
  - name: employee_id
    entity: EMPLOYEE_ID
    patterns:
      - regex: "EMP-[0-9]{6}"
        score: 0.3
    context: [Employee, staff]
    context_boost: 0.4
  - name: card_like
    entity: INTERNAL_CARD
    patterns: ["IC[0-9]{16}"]
    validator: luhn
    require_valid: true
)";

TEST(CustomRecognizers, YamlRecognizersCompileAndFindWithContextAndValidator) {
  auto specs = parse_custom_recognizers_text(kYaml);
  ASSERT_TRUE(specs) << specs.error().message();
  ASSERT_EQ(specs->size(), 2u);
  EXPECT_EQ((*specs)[0].context, (std::vector<std::string>{"employee", "staff"}));
  Catalogue cat;
  for (auto& s : *specs) ASSERT_TRUE(cat.add(s));
  Scanner scanner(cat);
  ScanOptions strict;
  strict.min_score = 0.5;
  EXPECT_TRUE(scanner.scan_text("id EMP-123456 here", strict).empty());  // 0.3 without context
  auto with_context = scanner.scan_text("employee EMP-123456 here", strict);
  ASSERT_EQ(with_context.size(), 1u);
  EXPECT_EQ(with_context[0].entity, "EMPLOYEE_ID");
  EXPECT_NEAR(with_context[0].score, 0.7, 1e-9);
  // Luhn-valid digits pass, invalid ones are dropped (require_valid).
  EXPECT_EQ(scanner.scan_text("IC4111111111111111").size(), 1u);
  EXPECT_TRUE(scanner.scan_text("IC4111111111111112").empty());
}

TEST(CustomRecognizers, JsonArrayIsAcceptedToo) {
  auto specs = parse_custom_recognizers(boost::json::parse(
      R"([{"name":"x","entity":"X_ID","patterns":[{"regex":"X[0-9]{4}","caseless":true}]}])"));
  ASSERT_TRUE(specs) << specs.error().message();
  EXPECT_TRUE((*specs)[0].patterns[0].caseless);
}

TEST(CustomRecognizers, ErrorsNameTheField) {
  struct Case {
    const char* text;
    const char* field;
  } cases[] = {
      {R"([{"name":"x","entity":"X","patterns":[{"regex":"a","score":2}]}])", "recognizers[0].patterns[0].score"},
      {R"([{"name":"x","entity":"lower","patterns":["a"]}])", "recognizers[0].entity"},
      {R"([{"name":"x","entity":"X","patterns":[]}])", "recognizers[0].patterns"},
      {R"([{"name":"x","entity":"X","patterns":["a"],"validator":"nope"}])", "recognizers[0].validator"},
      {R"([{"name":"x","entity":"X","patterns":["a"],"colour":"red"}])", "recognizers[0].colour"},
      {R"({"recognizers":5})", "recognizers"},
      {"recognizers: [unclosed", "recognizers"},
  };
  for (const auto& c : cases) {
    auto r = parse_custom_recognizers_text(c.text);
    ASSERT_FALSE(r) << c.text;
    EXPECT_EQ(r.error().kind(), ErrorKind::Validation);
    EXPECT_EQ(r.error().details().at("field").as_string(), c.field) << r.error().message();
  }
}

}  // namespace
}  // namespace vault::pii
