#include "vault/core/strict_json.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>

#include <string>

namespace vault {
namespace {

TEST(StrictJson, ParsesLikeBoostJson) {
  const std::string text =
      R"({"a":1,"b":[true,null,-2,18446744073709551615,1.5,"x"],"c":{"d":{"e":"f"}},"":"empty key"})";
  auto v = parse_json_strict(text);
  ASSERT_TRUE(v) << v.error().message();
  EXPECT_EQ(*v, boost::json::parse(text));
}

TEST(StrictJson, SameKeyInDifferentObjectsIsFine) {
  auto v = parse_json_strict(R"({"a":{"x":1},"b":{"x":2},"c":[{"x":1},{"x":2}],"x":0})");
  ASSERT_TRUE(v) << v.error().message();
  EXPECT_EQ(v->at("c").at(1).at("x").as_int64(), 2);
}

TEST(StrictJson, RefusesATopLevelDuplicateNamingKeyAndPointer) {
  auto v = parse_json_strict(R"({"note":"my ssn is 536-22-8726","note":"ok"})");
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().kind(), ErrorKind::Validation);
  EXPECT_EQ(v.error().details().at("pointer").as_string(), "/note");
  EXPECT_EQ(v.error().details().at("key").as_string(), "note");
  // The value is never echoed.
  EXPECT_EQ(v.error().message().find("536"), std::string::npos);
  EXPECT_EQ(boost::json::serialize(v.error().details()).find("536"), std::string::npos);
}

TEST(StrictJson, PointsIntoNestedObjectsAndArrays) {
  auto v = parse_json_strict(R"({"records":[{"a":1},{"b":{"age":"x","age":5}}]})");
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().kind(), ErrorKind::Validation);
  EXPECT_EQ(v.error().details().at("pointer").as_string(), "/records/1/b/age");
}

TEST(StrictJson, KeysThatAreNotNameLikeAreNeverEchoed) {
  auto v = parse_json_strict(R"({"jane.doe@example.com":{"536-22-8726":1,"536-22-8726":2}})");
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().details().at("pointer").as_string(), "/*/*");
  EXPECT_FALSE(v.error().details().contains("key"));
  const std::string all = v.error().message() + boost::json::serialize(v.error().details());
  EXPECT_EQ(all.find("jane"), std::string::npos);
  EXPECT_EQ(all.find("8726"), std::string::npos);
}

TEST(StrictJson, FindsDuplicatesInLargeObjects) {
  std::string text = "{";
  for (int i = 0; i < 500; ++i) text += "\"k" + std::to_string(i) + "\":" + std::to_string(i) + ",";
  text += "\"k7\":0}";
  auto v = parse_json_strict(text);
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().details().at("key").as_string(), "k7");
  text.replace(text.rfind("k7"), 2, "k500");
  EXPECT_TRUE(parse_json_strict(text));
}

TEST(StrictJson, KeysSplitAcrossEscapesCompareByValue) {
  // "a\u0062" is "ab": the same key written differently is still a duplicate.
  auto v = parse_json_strict(R"({"ab":1,"a\u0062":2})");
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().details().at("key").as_string(), "ab");
  EXPECT_TRUE(parse_json_strict(R"({"ab":1,"a\u0063":2})"));
}

TEST(StrictJson, MalformedInputKeepsItsErrorKind) {
  for (const char* bad : {"{", R"({"a":1,})", "[1 2]", "{} x", "\"\xff\"", "{\"a\":1} // c", R"({"a":1,"a":2} x)",
                          R"([{"a":1,"a":2},)"}) {
    auto v = parse_json_strict(bad);
    ASSERT_FALSE(v) << bad;
    EXPECT_EQ(v.error().kind(), ErrorKind::MalformedRequest) << bad;
    EXPECT_TRUE(v.error().details().contains("offset"));
  }
}

TEST(StrictJson, ReusableAfterErrorsAndBoundedDepth) {
  StrictJsonParser p({.max_depth = 4});
  EXPECT_FALSE(p.parse(R"({"a":1,"a":2})"));
  EXPECT_TRUE(p.parse(R"({"a":1,"b":2})"));
  EXPECT_TRUE(p.parse("[[[[1]]]]"));
  auto deep = p.parse("[[[[[1]]]]]");
  ASSERT_FALSE(deep);
  EXPECT_EQ(deep.error().kind(), ErrorKind::MalformedRequest);
  EXPECT_TRUE(p.parse(R"({"a":{"a":{"a":1}}})"));
}

TEST(StrictJson, NameLikeRule) {
  EXPECT_TRUE(is_name_like("note"));
  EXPECT_TRUE(is_name_like("user_id"));
  EXPECT_TRUE(is_name_like("a.b-c$1234"));
  EXPECT_FALSE(is_name_like(""));
  EXPECT_FALSE(is_name_like("1abc"));
  EXPECT_FALSE(is_name_like("jane.doe@example.com"));
  EXPECT_FALSE(is_name_like("ssn 536-22-8726"));
  EXPECT_FALSE(is_name_like("card4111111111111111"));
  EXPECT_FALSE(is_name_like(std::string(65, 'a')));
}

}  // namespace
}  // namespace vault
