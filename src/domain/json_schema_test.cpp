#include "vault/domain/json_schema.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <chrono>
#include <cstdio>
#include <string>

namespace vault::domain {
namespace {

boost::json::value J(std::string_view text) {
  return boost::json::parse(text);
}

JsonSchema compile_ok(std::string_view schema) {
  auto s = JsonSchema::compile(J(schema));
  if (!s) ADD_FAILURE() << "compile failed: " << s.error().message();
  return std::move(*s);
}

/// Expects a compile failure naming `keyword` at `pointer`.
void expect_invalid(std::string_view schema, std::string_view keyword, std::string_view pointer) {
  auto s = JsonSchema::compile(J(schema));
  ASSERT_FALSE(s) << schema;
  EXPECT_EQ(s.error().kind(), ErrorKind::Validation);
  EXPECT_EQ(s.error().details().at("keyword").as_string(), keyword) << schema;
  EXPECT_EQ(s.error().details().at("pointer").as_string(), pointer) << schema;
}

bool valid(const JsonSchema& s, std::string_view instance) {
  return s.validate(J(instance)).has_value();
}

/// Expects a validation failure with this field and keyword.
void expect_fails(const JsonSchema& s, std::string_view instance, std::string_view field,
                  std::string_view keyword) {
  auto r = s.validate(J(instance));
  ASSERT_FALSE(r) << instance;
  EXPECT_EQ(r.error().kind(), ErrorKind::SchemaValidation);
  EXPECT_EQ(r.error().details().at("field").as_string(), field) << instance;
  EXPECT_EQ(r.error().details().at("keyword").as_string(), keyword) << instance;
  EXPECT_TRUE(r.error().details().at("reason").is_string());
}

// ------------------------------------------------------------------ compile

TEST(JsonSchemaCompile, AcceptsEverySupportedKeyword) {
  compile_ok(R"({
    "$schema": "https://json-schema.org/draft/2020-12/schema", "title": "t", "description": "d",
    "type": "object", "required": ["a"], "additionalProperties": false,
    "properties": {
      "a": {"type": ["string", "null"], "minLength": 1, "maxLength": 5, "pattern": "^x"},
      "b": {"type": "array", "items": {"type": "integer"}, "minItems": 0, "maxItems": 3},
      "c": {"type": "number", "minimum": 0, "maximum": 1.5, "exclusiveMinimum": -1, "exclusiveMaximum": 2},
      "d": {"enum": [1, "x", null]}, "e": {"const": {"k": [1]}}, "f": true, "g": false
    }})");
}

TEST(JsonSchemaCompile, RejectsUnsupportedKeywordsWithTheirPointer) {
  expect_invalid(R"({"oneOf": []})", "oneOf", "/oneOf");
  expect_invalid(R"({"properties": {"user": {"properties": {"x": {"format": "email"}}}}})", "format",
                 "/properties/user/properties/x/format");
  expect_invalid(R"({"items": {"$ref": "#"}})", "$ref", "/items/$ref");
  expect_invalid(R"({"properties": {"a/b~c": {"allOf": []}}})", "allOf", "/properties/a~1b~0c/allOf");
}

TEST(JsonSchemaCompile, RejectsInvalidValues) {
  expect_invalid(R"({"type": "text"})", "type", "/type");
  expect_invalid(R"({"type": []})", "type", "/type");
  expect_invalid(R"({"type": ["string", "string"]})", "type", "/type");
  expect_invalid(R"({"type": 3})", "type", "/type");
  expect_invalid(R"({"properties": []})", "properties", "/properties");
  expect_invalid(R"({"properties": {"a": 3}})", "", "/properties/a");
  expect_invalid(R"({"required": "a"})", "required", "/required");
  expect_invalid(R"({"required": ["a", 1]})", "required", "/required");
  expect_invalid(R"({"required": ["a", "a"]})", "required", "/required");
  expect_invalid(R"({"additionalProperties": {}})", "additionalProperties", "/additionalProperties");
  expect_invalid(R"({"items": [{}]})", "items", "/items");
  expect_invalid(R"({"items": "x"})", "", "/items");
  expect_invalid(R"({"enum": []})", "enum", "/enum");
  expect_invalid(R"({"enum": 1})", "enum", "/enum");
  expect_invalid(R"({"minLength": -1})", "minLength", "/minLength");
  expect_invalid(R"({"maxLength": 1.5})", "maxLength", "/maxLength");
  expect_invalid(R"({"minItems": "1"})", "minItems", "/minItems");
  expect_invalid(R"({"maxItems": null})", "maxItems", "/maxItems");
  expect_invalid(R"({"minimum": "0"})", "minimum", "/minimum");
  expect_invalid(R"({"exclusiveMaximum": true})", "exclusiveMaximum", "/exclusiveMaximum");
  expect_invalid(R"({"pattern": 5})", "pattern", "/pattern");
  expect_invalid(R"({"properties": {"p": {"pattern": "(unclosed"}}})", "pattern", "/properties/p/pattern");
  expect_invalid(R"({"pattern": "[z-a]"})", "pattern", "/pattern");
  expect_invalid(R"({"pattern": "(a)\\1"})", "pattern", "/pattern");  // back-reference
  expect_invalid(R"("object")", "", "");
  expect_invalid("[]", "", "");
}

TEST(JsonSchemaCompile, AcceptsIntegralDoublesAsLengths) {
  auto s = compile_ok(R"({"minLength": 2.0})");
  EXPECT_FALSE(valid(s, R"("a")"));
  EXPECT_TRUE(valid(s, R"("ab")"));
}

TEST(JsonSchemaCompile, RejectsOverlongPatternsAndDeepNesting) {
  std::string long_pattern = R"({"pattern": ")" + std::string(2000, 'a') + R"("})";
  expect_invalid(long_pattern, "pattern", "/pattern");
  boost::json::value deep = boost::json::object{};
  for (int i = 0; i < 40; ++i) deep = boost::json::object{{"items", deep}};
  auto s = JsonSchema::compile(deep);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().kind(), ErrorKind::Validation);
}

TEST(JsonSchemaCompile, ErrorMessageNamesTheKeywordLocation) {
  auto s = JsonSchema::compile(J(R"({"properties": {"age": {"minimum": "x"}}})"));
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message().find("/properties/age/minimum"), std::string::npos) << s.error().message();
}

// ------------------------------------------------------------------ type

TEST(JsonSchemaType, EachTypeName) {
  struct Case {
    std::string_view type, ok, bad;
  } cases[] = {
      {"object", "{}", "[]"},      {"array", "[]", "{}"},   {"string", R"("s")", "1"},
      {"number", "1.5", R"("1")"}, {"integer", "3", "3.5"}, {"boolean", "false", "0"},
      {"null", "null", "false"},
  };
  for (const auto& c : cases) {
    auto s = compile_ok(R"({"type": ")" + std::string(c.type) + R"("})");
    EXPECT_TRUE(valid(s, c.ok)) << c.type;
    expect_fails(s, c.bad, "", "type");
  }
}

TEST(JsonSchemaType, IntegerAcceptsIntegralNumbersOfEveryRepresentation) {
  auto s = compile_ok(R"({"type": "integer"})");
  EXPECT_TRUE(valid(s, "-5"));
  EXPECT_TRUE(valid(s, "18446744073709551615"));  // uint64
  EXPECT_TRUE(valid(s, "2.0"));                   // draft 2020: 2.0 is an integer
  EXPECT_TRUE(valid(s, "1e3"));
  EXPECT_FALSE(valid(s, "2.5"));
  auto n = compile_ok(R"({"type": "number"})");
  EXPECT_TRUE(valid(n, "7"));  // integers are numbers
}

TEST(JsonSchemaType, TypeListAndMessage) {
  auto s = compile_ok(R"({"type": ["string", "null"]})");
  EXPECT_TRUE(valid(s, "null"));
  EXPECT_TRUE(valid(s, R"("x")"));
  auto r = s.validate(J("12"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().details().at("reason").as_string(), "expected null or string, got integer");
  EXPECT_NE(r.error().message().find("record root"), std::string::npos) << r.error().message();
}

TEST(JsonSchemaType, BooleanSchemas) {
  EXPECT_TRUE(valid(compile_ok("true"), R"({"anything": [1]})"));
  expect_fails(compile_ok("false"), "{}", "", "false");
  auto s = compile_ok(R"({"properties": {"x": false}})");
  EXPECT_TRUE(valid(s, "{}"));
  expect_fails(s, R"({"x": null})", "/x", "false");
}

// ------------------------------------------------------------------ objects

TEST(JsonSchemaObject, RequiredNamesTheMissingField) {
  auto s = compile_ok(R"({"type": "object", "required": ["id", "text"]})");
  EXPECT_TRUE(valid(s, R"({"id": 1, "text": "", "more": 0})"));
  expect_fails(s, R"({"id": 1})", "/text", "required");
  expect_fails(s, R"({})", "/id", "required");  // first in schema order
}

TEST(JsonSchemaObject, NestedPropertiesGiveAFullPointer) {
  auto s = compile_ok(R"({"properties": {"user": {"type": "object",
      "properties": {"age": {"type": "integer", "minimum": 0}}}}})");
  EXPECT_TRUE(valid(s, R"({"user": {"age": 4}})"));
  EXPECT_TRUE(valid(s, R"({"other": "x"})"));
  auto r = s.validate(J(R"({"user": {"age": -1}})"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().details().at("field").as_string(), "/user/age");
  EXPECT_EQ(r.error().details().at("keyword").as_string(), "minimum");
  EXPECT_NE(r.error().message().find("/user/age"), std::string::npos) << r.error().message();
  expect_fails(s, R"({"user": []})", "/user", "type");
}

TEST(JsonSchemaObject, PointerEscapesTildeAndSlash) {
  auto s = compile_ok(R"({"properties": {"a/b": {"properties": {"c~d": {"type": "string"}}}}})");
  expect_fails(s, R"({"a/b": {"c~d": 1}})", "/a~1b/c~0d", "type");
}

TEST(JsonSchemaObject, AdditionalPropertiesFalse) {
  auto s = compile_ok(R"({"properties": {"a": {}, "b": {}}, "additionalProperties": false})");
  EXPECT_TRUE(valid(s, R"({"a": 1, "b": 2})"));
  EXPECT_TRUE(valid(s, R"({})"));
  expect_fails(s, R"({"a": 1, "zz": 2, "c": 3})", "/zz", "additionalProperties");  // instance order
  auto open = compile_ok(R"({"properties": {"a": {}}, "additionalProperties": true})");
  EXPECT_TRUE(valid(open, R"({"a": 1, "zz": 2})"));
}

TEST(JsonSchemaObject, ObjectKeywordsIgnoreOtherTypes) {
  auto s = compile_ok(R"({"required": ["a"], "properties": {"a": {"type": "string"}}})");
  EXPECT_TRUE(valid(s, "[1]"));
  EXPECT_TRUE(valid(s, "3"));
}

TEST(JsonSchemaObject, FirstFailureIsDeterministic) {
  // Required is checked before properties; properties in schema order.
  auto s =
      compile_ok(R"({"required": ["z"], "properties": {"b": {"type": "string"}, "a": {"type": "string"}}})");
  expect_fails(s, R"({"a": 1, "b": 1})", "/z", "required");
  expect_fails(s, R"({"a": 1, "b": 1, "z": 0})", "/b", "type");
  for (int i = 0; i < 3; ++i) expect_fails(s, R"({"b": "ok", "a": 1, "z": 0})", "/a", "type");
}

// ------------------------------------------------------------------ arrays

TEST(JsonSchemaArray, ItemsAndBounds) {
  auto s = compile_ok(R"({"type": "array", "minItems": 1, "maxItems": 3, "items": {"type": "string"}})");
  EXPECT_TRUE(valid(s, R"(["a"])"));
  EXPECT_TRUE(valid(s, R"(["a", "b", "c"])"));
  expect_fails(s, "[]", "", "minItems");
  expect_fails(s, R"(["a", "b", "c", "d"])", "", "maxItems");
  expect_fails(s, R"(["a", 2, 3])", "/1", "type");
}

TEST(JsonSchemaArray, NestedItemPointer) {
  auto s = compile_ok(R"({"properties": {"messages": {"items": {"required": ["role"],
      "properties": {"role": {"enum": ["user", "assistant"]}}}}}})");
  EXPECT_TRUE(valid(s, R"({"messages": [{"role": "user"}, {"role": "assistant"}]})"));
  expect_fails(s, R"({"messages": [{"role": "user"}, {"role": "bot"}]})", "/messages/1/role", "enum");
  expect_fails(s, R"({"messages": [{"role": "user"}, {}]})", "/messages/1/role", "required");
}

// ------------------------------------------------------------------ strings

TEST(JsonSchemaString, LengthsCountCodePoints) {
  auto s = compile_ok(R"({"minLength": 2, "maxLength": 3})");
  EXPECT_TRUE(valid(s, R"("ab")"));
  EXPECT_TRUE(valid(s, R"("héé")"));  // 3 code points, 5 bytes
  EXPECT_TRUE(valid(s, R"("😀😀")"));   // 2 code points, 8 bytes
  expect_fails(s, R"("é")", "", "minLength");
  expect_fails(s, R"("abcd")", "", "maxLength");
  expect_fails(s, R"("😀😀😀😀")", "", "maxLength");
  EXPECT_TRUE(valid(s, "12345"));  // not a string: ignored
}

TEST(JsonSchemaString, PatternIsAnUnanchoredSearch) {
  auto s = compile_ok(R"({"pattern": "[0-9]{3}"})");
  EXPECT_TRUE(valid(s, R"("abc123def")"));
  EXPECT_TRUE(valid(s, R"("line1\nabc 456")"));
  expect_fails(s, R"("ab12c")", "", "pattern");
  auto anchored = compile_ok(R"({"pattern": "^[a-z]+$"})");
  EXPECT_TRUE(valid(anchored, R"("abc")"));
  EXPECT_FALSE(valid(anchored, R"("abc1")"));
  EXPECT_FALSE(valid(anchored, R"("1abc")"));
  EXPECT_FALSE(valid(anchored, R"("")"));
  auto alt = compile_ok(R"({"pattern": "^a|b$"})");
  EXPECT_TRUE(valid(alt, R"("ax")"));
  EXPECT_TRUE(valid(alt, R"("xb")"));
  EXPECT_FALSE(valid(alt, R"("xa")"));
}

TEST(JsonSchemaString, PatternFailureDoesNotEchoTheValue) {
  auto s = compile_ok(R"({"properties": {"email": {"pattern": "^[^@]+@[^@]+$"}}})");
  auto r = s.validate(J(R"({"email": "secret-value-123"})"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message().find("secret-value-123"), std::string::npos);
  EXPECT_EQ(boost::json::serialize(r.error().details()).find("secret-value-123"), std::string::npos);
  EXPECT_EQ(r.error().details().at("field").as_string(), "/email");
}

TEST(JsonSchemaString, PatternOnLongStringsIsLinearAndStackSafe) {
  // The default std::regex executor recurses per character and would
  // overflow the stack here; the failing unanchored search would be quadratic.
  auto s = compile_ok(R"({"pattern": "^(a|b)+$"})");
  std::string big(2'000'000, 'a');
  EXPECT_TRUE(s.validate(boost::json::value(big)));
  auto miss = compile_ok(R"({"pattern": "(a|b)*c"})");
  EXPECT_FALSE(miss.validate(boost::json::value(std::string(200'000, 'a'))));
}

// ------------------------------------------------------------------ numbers

TEST(JsonSchemaNumber, InclusiveAndExclusiveBounds) {
  auto s = compile_ok(R"({"minimum": 0, "maximum": 10})");
  EXPECT_TRUE(valid(s, "0"));
  EXPECT_TRUE(valid(s, "10"));
  EXPECT_TRUE(valid(s, "10.0"));
  expect_fails(s, "-0.5", "", "minimum");
  expect_fails(s, "10.000001", "", "maximum");
  auto x = compile_ok(R"({"exclusiveMinimum": 0, "exclusiveMaximum": 1.5})");
  EXPECT_TRUE(valid(x, "0.1"));
  EXPECT_TRUE(valid(x, "1"));
  expect_fails(x, "0", "", "exclusiveMinimum");
  expect_fails(x, "0.0", "", "exclusiveMinimum");
  expect_fails(x, "1.5", "", "exclusiveMaximum");
  auto r = x.validate(J("2"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().details().at("reason").as_string(), "must be < 1.5");
}

TEST(JsonSchemaNumber, ExactComparisonOfLargeIntegers) {
  auto s = compile_ok(R"({"maximum": 9007199254740993})");  // 2^53 + 1: not a double
  EXPECT_TRUE(valid(s, "9007199254740993"));
  EXPECT_FALSE(valid(s, "9007199254740994"));
  auto u = compile_ok(R"({"minimum": 18446744073709551615})");
  EXPECT_TRUE(valid(u, "18446744073709551615"));
  EXPECT_FALSE(valid(u, "18446744073709551614"));
  EXPECT_FALSE(valid(u, "-1"));
}

TEST(JsonSchemaNumber, NonFiniteNumbersFailBoundsAndEqualNothing) {
  // Boost.JSON 1.81 parses 0e400 as NaN and 1e400 as infinity.
  auto s = compile_ok(R"({"minimum": 0, "maximum": 10})");
  expect_fails(s, "0e400", "", "minimum");
  expect_fails(s, "1e400", "", "maximum");
  expect_fails(compile_ok(R"({"exclusiveMaximum": 10})"), "0e400", "", "exclusiveMaximum");
  expect_fails(compile_ok(R"({"const": 0})"), "0e400", "", "const");
  expect_fails(compile_ok(R"({"type": "integer"})"), "1e400", "", "type");
}

TEST(JsonSchemaNumber, BoundsIgnoreNonNumbers) {
  auto s = compile_ok(R"({"minimum": 5})");
  EXPECT_TRUE(valid(s, R"("1")"));
  EXPECT_TRUE(valid(s, "null"));
}

// ------------------------------------------------------------------ enum/const

TEST(JsonSchemaEnum, DeepEqualityWithNumericEquivalence) {
  auto s = compile_ok(R"({"enum": [1, "a", null, {"k": [1, 2]}, [true]]})");
  EXPECT_TRUE(valid(s, "1"));
  EXPECT_TRUE(valid(s, "1.0"));
  EXPECT_TRUE(valid(s, R"("a")"));
  EXPECT_TRUE(valid(s, "null"));
  EXPECT_TRUE(valid(s, R"({"k": [1.0, 2]})"));
  EXPECT_TRUE(valid(s, "[true]"));
  expect_fails(s, R"({"k": [2, 1]})", "", "enum");
  expect_fails(s, R"({"k": [1, 2], "x": 0})", "", "enum");
  expect_fails(s, "[true, true]", "", "enum");
  expect_fails(s, "false", "", "enum");
  expect_fails(s, R"("A")", "", "enum");
}

TEST(JsonSchemaConst, MatchesExactly) {
  auto s = compile_ok(R"({"properties": {"v": {"const": {"a": 1, "b": "x"}}}})");
  EXPECT_TRUE(valid(s, R"({"v": {"b": "x", "a": 1}})"));
  expect_fails(s, R"({"v": {"a": 1}})", "/v", "const");
  auto z = compile_ok(R"({"const": 0})");
  EXPECT_TRUE(valid(z, "-0.0"));
  EXPECT_FALSE(valid(z, "false"));
}

// ------------------------------------------------------------------ misc

TEST(JsonSchema, KeywordOrderTypeBeforeEnum) {
  auto s = compile_ok(R"({"type": "string", "enum": ["a"], "minLength": 3})");
  expect_fails(s, "1", "", "type");
  expect_fails(s, R"("b")", "", "enum");
}

TEST(JsonSchema, OverlongFieldNamesAreTruncated) {
  auto s = compile_ok(R"({"additionalProperties": false})");
  std::string key(5000, 'k');
  boost::json::object o;
  o[key] = 1;
  auto r = s.validate(o);
  ASSERT_FALSE(r);
  EXPECT_LE(r.error().details().at("field").as_string().size(), 300u);
  EXPECT_LE(r.error().message().size(), 500u);
}

TEST(JsonSchema, CopiesShareTheCompiledSchema) {
  auto s = compile_ok(R"({"type": "object"})");
  JsonSchema copy = s;
  JsonSchema moved = std::move(s);
  EXPECT_TRUE(copy.validate(J("{}")));
  EXPECT_FALSE(moved.validate(J("1")));
}

// ------------------------------------------------------------------ linear-time patterns (RE2)

TEST(JsonSchemaPattern, RefusesBackReferencesAndLookaroundNamingThePointer) {
  for (const char* p : {R"((a)\1)", R"((?<x>a)\k<x>)", "a(?=b)", "a(?!b)", "(?<=a)b", "(?<!a)b"}) {
    boost::json::value schema = {{"properties", {{"name", {{"pattern", p}}}}}};
    auto s = JsonSchema::compile(schema);
    ASSERT_FALSE(s) << p;
    EXPECT_EQ(s.error().kind(), ErrorKind::Validation);
    EXPECT_EQ(s.error().details().at("pointer").as_string(), "/properties/name/pattern") << p;
    EXPECT_EQ(s.error().details().at("keyword").as_string(), "pattern");
    EXPECT_NE(s.error().message().find("not supported"), std::string::npos) << s.error().message();
  }
}

TEST(JsonSchemaPattern, HugeRepetitionIsRefused) {
  // With std::regex, (){33000} cost ~1 ms per input character.
  expect_invalid(R"({"pattern": "(){33000}"})", "pattern", "/pattern");
  expect_invalid(R"({"pattern": "a{1001}"})", "pattern", "/pattern");
  // Nested repetitions multiply: refused as too large a program.
  expect_invalid(R"({"pattern": "((a{100}){100}){100}"})", "pattern", "/pattern");
  compile_ok(R"({"pattern": "a{1000}"})");
}

TEST(JsonSchemaPattern, CatastrophicBacktrackingPatternsRunOnMegabyteInputs) {
  // Exponential for a backtracking engine; RE2 answers in linear time. The
  // answers are asserted; the time is only printed.
  struct Case {
    const char* pattern;
    std::string input;
    bool match;
  };
  const std::string a1m(1 << 20, 'a');
  const Case cases[] = {
      {"(a+)+$", a1m + "!", false},
      {"^(a+)+$", a1m, true},
      {"^(a|aa)+$", a1m + "b", false},
      {"^(a|a?)+b", a1m, false},
      {"(x+x+)+y", std::string(1 << 20, 'x'), false},
      {"(.*a){20}", std::string(1 << 20, 'a'), true},
      {"(a|b)*a(a|b){18}c", std::string(1 << 20, 'a'), false},  // DFA state blow-up
      {"(){1000}x", std::string(1 << 20, 'y'), false},
  };
  for (const auto& c : cases) {
    boost::json::value schema = {{"pattern", c.pattern}};
    auto s = JsonSchema::compile(schema);
    ASSERT_TRUE(s) << c.pattern << ": " << s.error().message();
    const auto t0 = std::chrono::steady_clock::now();
    auto r = s->validate(boost::json::value(c.input));
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    std::printf("  pattern %-22s on %zu bytes: %.1f ms\n", c.pattern, c.input.size(), ms);
    EXPECT_EQ(r.has_value(), c.match) << c.pattern;
    if (!r) {
      EXPECT_EQ(r.error().details().at("keyword").as_string(), "pattern");
    }
  }
}

TEST(JsonSchemaPattern, EcmaSemanticsThatDifferFromRe2AreTranslated) {
  auto dot = compile_ok(R"({"pattern": "^a.b$"})");
  EXPECT_TRUE(valid(dot, R"("axb")"));
  EXPECT_TRUE(valid(dot, R"("a\u00e9b")"));   // one code point, two bytes
  EXPECT_FALSE(valid(dot, R"("a\nb")"));
  EXPECT_FALSE(valid(dot, R"("a\rb")"));
  EXPECT_FALSE(valid(dot, R"("a\u2028b")"));
  auto space = compile_ok(R"({"pattern": "^a\\sb$"})");
  EXPECT_TRUE(valid(space, R"("a\u00a0b")"));  // NBSP is ECMA whitespace
  EXPECT_TRUE(valid(space, R"("a\u000bb")"));
  EXPECT_FALSE(valid(space, R"("axb")"));
  auto nonspace = compile_ok(R"({"pattern": "^\\S+$"})");
  EXPECT_FALSE(valid(nonspace, R"("a\u3000b")"));
  EXPECT_TRUE(valid(nonspace, R"("ab")"));
  auto u = compile_ok(R"({"pattern": "^\\u00e9\\uD83D\\uDE00$"})");
  EXPECT_TRUE(valid(u, R"("é😀")"));
  auto named = compile_ok(R"({"pattern": "^(?<year>[0-9]{4})-(?:[0-9]{2})$"})");
  EXPECT_TRUE(valid(named, R"("2026-12")"));
  auto any = compile_ok(R"({"pattern": "^[^]$"})");
  EXPECT_TRUE(valid(any, R"("\n")"));
  auto none = compile_ok(R"({"pattern": "[]"})");
  EXPECT_FALSE(valid(none, R"("anything")"));
  auto bracket = compile_ok(R"({"pattern": "^[[a]+$"})");
  EXPECT_TRUE(valid(bracket, R"("[a[")"));
  auto dollar = compile_ok(R"({"pattern": "^a$"})");
  EXPECT_FALSE(valid(dollar, R"("a\n")"));  // $ is the end of input, not before a final newline
  auto ctl = compile_ok(R"({"pattern": "^\\cJ$"})");
  EXPECT_TRUE(valid(ctl, R"("\n")"));
  expect_invalid(R"({"pattern": "\\uD83D"})", "pattern", "/pattern");  // lone surrogate
  expect_invalid(R"({"pattern": "\\u12"})", "pattern", "/pattern");
}

TEST(JsonSchemaPattern, CancelledTokenStopsValidation) {
  auto s = compile_ok(R"({"type": "array", "items": {"type": "string", "pattern": "^a+$"}})");
  boost::json::array big;
  for (int i = 0; i < 100000; ++i) big.emplace_back("aaaa");
  boost::json::value v(std::move(big));
  Cancellation token;
  EXPECT_TRUE(s.validate(v, &token));
  token.cancel();
  auto r = s.validate(v, &token);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind(), ErrorKind::Transient);
  EXPECT_TRUE(is_cancellation(r.error()));

  Cancellation expired(Cancellation::Clock::now() - std::chrono::seconds(1));
  auto d = s.validate(v, &expired);
  ASSERT_FALSE(d);
  EXPECT_EQ(d.error().kind(), ErrorKind::DeadlineExceeded);

  // The thread's current token is the default.
  {
    CancellationScope scope(&expired);
    auto c = s.validate(v);
    ASSERT_FALSE(c);
    EXPECT_EQ(c.error().kind(), ErrorKind::DeadlineExceeded);
  }
  EXPECT_TRUE(s.validate(v));
}

TEST(JsonSchemaPattern, CancellationIsCheckedBeforeSearchingALongString) {
  auto s = compile_ok(R"({"pattern": "^a+$"})");
  Cancellation token;
  token.cancel();
  auto r = s.validate(boost::json::value(std::string(1 << 20, 'a')), &token);
  ASSERT_FALSE(r);
  EXPECT_TRUE(is_cancellation(r.error()));
}

}  // namespace
}  // namespace vault::domain
