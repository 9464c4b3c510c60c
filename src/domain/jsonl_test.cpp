#include "vault/domain/jsonl.hpp"

#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>
#include <string>
#include <vector>

namespace vault::domain {
namespace {

/// What a splitter reported, in order: "N:text" for lines, "N!len" for overlong ones.
struct Collector {
  std::vector<std::string> events;
  JsonlSplitter make(std::size_t max = JsonlSplitter::kDefaultMaxLineBytes) {
    return JsonlSplitter(
        [this](std::string_view line, std::int64_t n) {
          events.push_back(std::to_string(n) + ":" + std::string(line));
        },
        [this](std::int64_t n, std::size_t len) {
          events.push_back(std::to_string(n) + "!" + std::to_string(len));
        },
        max);
  }
};

std::vector<std::string> split_whole(std::string_view input,
                                     std::size_t max = JsonlSplitter::kDefaultMaxLineBytes) {
  Collector c;
  auto s = c.make(max);
  s.feed(input);
  s.finish();
  return c.events;
}

using V = std::vector<std::string>;

TEST(JsonlSplitter, SplitsLinesAndNumbersThemFromOne) {
  EXPECT_EQ(split_whole("a\nbb\nccc\n"), (V{"1:a", "2:bb", "3:ccc"}));
}

TEST(JsonlSplitter, LastLineWithoutNewlineComesFromFinish) {
  Collector c;
  auto s = c.make();
  s.feed("a\nlast");
  EXPECT_EQ(c.events, (V{"1:a"}));
  s.finish();
  EXPECT_EQ(c.events, (V{"1:a", "2:last"}));
  EXPECT_EQ(s.lines(), 2);
}

TEST(JsonlSplitter, EmptyInputAndTrailingNewlineGiveNoExtraLine) {
  EXPECT_EQ(split_whole(""), V{});
  EXPECT_EQ(split_whole("x\n"), (V{"1:x"}));
}

TEST(JsonlSplitter, EmptyLinesAreReportedWithTheirNumber) {
  EXPECT_EQ(split_whole("\n\na\n\nb"), (V{"1:", "2:", "3:a", "4:", "5:b"}));
}

TEST(JsonlSplitter, CrLfLineEndsAreStripped) {
  EXPECT_EQ(split_whole("a\r\nb\r\n\r\nc"), (V{"1:a", "2:b", "3:", "4:c"}));
  // Only one '\r' before the '\n' belongs to the line end.
  EXPECT_EQ(split_whole("a\r\r\nb\rc\n"), (V{"1:a\r", "2:b\rc"}));
}

TEST(JsonlSplitter, EveryChunkBoundaryGivesTheSameLines) {
  const std::string sample = "{\"a\":1}\r\n\n{\"b\":\"x\\ny\"}\n  \n{\"c\":[1,2]}\r\n{\"d\":{}}";
  const V expected = split_whole(sample);
  ASSERT_EQ(expected.size(), 6u);
  for (std::size_t i = 0; i <= sample.size(); ++i) {
    for (std::size_t j = i; j <= sample.size(); ++j) {
      Collector c;
      auto s = c.make();
      s.feed(std::string_view(sample).substr(0, i));
      s.feed(std::string_view(sample).substr(i, j - i));
      s.feed(std::string_view(sample).substr(j));
      s.finish();
      ASSERT_EQ(c.events, expected) << "cuts at " << i << ", " << j;
    }
  }
  // Byte by byte.
  Collector c;
  auto s = c.make();
  for (char ch : sample) s.feed(std::string_view(&ch, 1));
  s.finish();
  EXPECT_EQ(c.events, expected);
}

TEST(JsonlSplitter, EmptyChunksAreHarmless) {
  Collector c;
  auto s = c.make();
  s.feed("");
  s.feed("ab");
  s.feed("");
  s.feed("\n");
  s.feed("");
  s.finish();
  EXPECT_EQ(c.events, (V{"1:ab"}));
}

TEST(JsonlSplitter, OverlongLinesAreReportedAndSkipped) {
  // max 4: "abcd" fits, "abcde" does not.
  EXPECT_EQ(split_whole("abcd\nabcde\nok\n", 4), (V{"1:abcd", "2!5", "3:ok"}));
  EXPECT_EQ(split_whole("abcd\r\nabcde\r\nok", 4), (V{"1:abcd", "2!5", "3:ok"}));
  EXPECT_EQ(split_whole("0123456789012345\nx", 4), (V{"1!16", "2:x"}));
  EXPECT_EQ(split_whole("x\n0123456789", 4), (V{"1:x", "2!10"}));    // overlong last line
  EXPECT_EQ(split_whole("x\n0123456789\r", 4), (V{"1:x", "2!10"}));  // found by the fuzzer
}

TEST(JsonlSplitter, OverlongLinesAtEveryChunkBoundary) {
  const std::string sample = "abc\r\n0123456789\r\nabcd\nabcde\n\nxyzw\r\n0123456\r";
  const V expected = {"1:abc", "2!10", "3:abcd", "4!5", "5:", "6:xyzw", "7!7"};
  ASSERT_EQ(split_whole(sample, 4), expected);
  for (std::size_t i = 0; i <= sample.size(); ++i) {
    for (std::size_t j = i; j <= sample.size(); ++j) {
      Collector c;
      auto s = c.make(4);
      s.feed(std::string_view(sample).substr(0, i));
      s.feed(std::string_view(sample).substr(i, j - i));
      s.feed(std::string_view(sample).substr(j));
      s.finish();
      ASSERT_EQ(c.events, expected) << "cuts at " << i << ", " << j;
    }
  }
}

TEST(JsonlSplitter, OverlongLinesWithoutHandlerStillTakeANumber) {
  std::vector<std::string> lines;
  JsonlSplitter s(
      [&](std::string_view l, std::int64_t n) { lines.push_back(std::to_string(n) + ":" + std::string(l)); },
      {}, 3);
  s.feed("toolong\nok\n");
  s.finish();
  EXPECT_EQ(lines, (V{"2:ok"}));
}

TEST(JsonlSplitter, LinesInsideAChunkAreNotCopied) {
  const std::string chunk = "first\nsecond\nthi";
  std::vector<const char*> starts;
  JsonlSplitter s([&](std::string_view l, std::int64_t) { starts.push_back(l.data()); });
  s.feed(chunk);
  ASSERT_EQ(starts.size(), 2u);
  EXPECT_EQ(starts[0], chunk.data());
  EXPECT_EQ(starts[1], chunk.data() + 6);
}

TEST(JsonlSplitter, FinishEndsTheStreamAndNumberingGoesOn) {
  Collector c;
  auto s = c.make();
  s.feed("a");
  s.finish();
  s.finish();
  s.feed("b\n");
  s.finish();
  EXPECT_EQ(c.events, (V{"1:a", "2:b"}));
}

TEST(JsonlSplitter, HandlerExceptionLeavesNoStaleBuffer) {
  bool thrown = false;
  V seen;
  JsonlSplitter s([&](std::string_view l, std::int64_t) {
    if (!thrown && l == "boom") {
      thrown = true;
      throw std::runtime_error("x");
    }
    seen.emplace_back(l);
  });
  s.feed("bo");
  EXPECT_THROW(s.feed("om\n"), std::runtime_error);
  s.feed("next\n");
  EXPECT_EQ(seen, (V{"next"}));
}

// ------------------------------------------------------------------ parse_record

TEST(ParseRecord, ParsesAnObject) {
  auto r = parse_record(R"(  {"a": 1, "b": [true, null], "c": "é"} )");
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->at("a").as_int64(), 1);
  EXPECT_EQ(r->at("c").as_string(), "é");
  auto again = parse_record(R"({"x":2})");  // the per-thread parser is reusable
  ASSERT_TRUE(again);
  EXPECT_EQ(again->size(), 1u);
  EXPECT_EQ(r->size(), 3u);  // the first result is independent
}

TEST(ParseRecord, NonObjectsAreValidationErrors) {
  for (std::string_view line : {"[1]", "1", "\"s\"", "null", "true"}) {
    auto r = parse_record(line);
    ASSERT_FALSE(r) << line;
    EXPECT_EQ(r.error().kind(), ErrorKind::Validation) << line;
    EXPECT_EQ(r.error().message(), "record must be a JSON object");
  }
}

TEST(ParseRecord, InvalidJsonIsMalformedWithOffset) {
  struct Case {
    std::string_view line;
    std::uint64_t offset;
  } cases[] = {
      {R"({"a": tru})", 6},
      {R"({"a": 1,})", 8},
      {"", 0},
      {R"({"a": 1})"
       " x",
       9},                       // trailing data
      {R"({"a": 1)", 7},         // incomplete
      {"{\"a\": \"\xff\"}", 7},  // invalid UTF-8
  };
  for (const auto& c : cases) {
    auto r = parse_record(c.line);
    ASSERT_FALSE(r) << c.line;
    EXPECT_EQ(r.error().kind(), ErrorKind::MalformedRequest) << c.line;
    ASSERT_TRUE(r.error().details().contains("offset"));
    EXPECT_EQ(r.error().details().at("offset").to_number<std::uint64_t>(), c.offset) << c.line;
    EXPECT_TRUE(r.error().details().at("reason").is_string());
  }
  // The parser recovers after an error.
  EXPECT_TRUE(parse_record(R"({"ok": true})"));
}

TEST(ParseRecord, ErrorsNeverEchoTheInput) {
  auto r = parse_record(R"({"ssn": "123-45-6789" oops})");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message().find("123-45"), std::string::npos);
  EXPECT_EQ(boost::json::serialize(r.error().details()).find("123-45"), std::string::npos);
}

TEST(ParseRecord, DepthIsBounded) {
  std::string ok = std::string(60, '[');
  ok = "{\"a\":" + ok + std::string(60, ']') + "}";
  EXPECT_TRUE(parse_record(ok));
  std::string deep = "{\"a\":" + std::string(100, '[') + std::string(100, ']') + "}";
  auto r = parse_record(deep);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind(), ErrorKind::MalformedRequest);
}

TEST(RecordParser, SameContractAndReuse) {
  RecordParser p;
  for (int i = 0; i < 3; ++i) {
    auto r = p.parse(R"({"i": )" + std::to_string(i) + R"(, "s": ")" + std::string(100000, 'x') + "\"}");
    ASSERT_TRUE(r) << r.error().message();
    EXPECT_EQ((*r)->at("i").as_int64(), i);
    EXPECT_EQ((*r)->at("s").as_string().size(), 100000u);
  }
  auto bad = p.parse("[1]");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().kind(), ErrorKind::Validation);
  auto malformed = p.parse("{");
  ASSERT_FALSE(malformed);
  EXPECT_EQ(malformed.error().kind(), ErrorKind::MalformedRequest);
  EXPECT_EQ(malformed.error().details().at("offset").to_number<std::uint64_t>(), 1u);
  auto ok = p.parse(R"({"after": "error"})");
  ASSERT_TRUE(ok);
  EXPECT_EQ((*ok)->at("after").as_string(), "error");
}

}  // namespace
}  // namespace vault::domain
