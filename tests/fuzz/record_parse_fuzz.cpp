// libFuzzer target for the JSONL import path: the streaming line splitter
// fed in random chunks (checked against a simple whole-buffer reference
// split), parse_record and RecordParser (checked to agree, and checked
// against Boost.JSON's own parser: the strict parser accepts exactly the
// valid JSON without duplicate keys, and builds the same value), and validation
// against a fixed schema that uses every supported keyword (checked to be
// deterministic).
//
// Input layout: byte 0 picks the maximum line length, bytes 1-4 seed the
// chunking; the rest is the JSONL stream.
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "vault/core/strict_json.hpp"
#include "vault/domain/json_schema.hpp"
#include "vault/domain/jsonl.hpp"

namespace {

using vault::domain::JsonlSplitter;
using vault::domain::JsonSchema;

const JsonSchema& fixed_schema() {
  static const JsonSchema schema = [] {
    auto s = JsonSchema::compile(boost::json::parse(R"({
      "type": "object",
      "required": ["id"],
      "properties": {
        "id": {"type": ["string", "integer"], "pattern": "^[a-z]+-[0-9]{1,6}$", "minimum": 0},
        "text": {"type": "string", "minLength": 1, "maxLength": 200},
        "score": {"type": "number", "minimum": 0, "exclusiveMaximum": 1},
        "n": {"type": "integer", "exclusiveMinimum": -5, "maximum": 9007199254740993},
        "lang": {"enum": ["en", "de", "fr", null, 1]},
        "kind": {"const": {"v": [1, 2.0, "x"]}},
        "messages": {"type": "array", "minItems": 1, "maxItems": 8, "items": {
          "type": "object", "required": ["role", "content"], "additionalProperties": false,
          "properties": {"role": {"enum": ["user", "assistant"]}, "content": {"type": "string", "pattern": "\\S"}}}},
        "meta": {"type": "object", "properties": {"a/b": {"type": "boolean"}, "never": false}}
      }
    })"));
    if (!s) std::abort();
    return *s;
  }();
  return schema;
}

struct Event {
  bool overlong;
  std::int64_t number;
  std::string text;  // the line, or its length for an overlong one
  bool operator==(const Event&) const = default;
};

/// The obvious non-streaming split the splitter must agree with.
std::vector<Event> reference_split(std::string_view in, std::size_t max) {
  std::vector<Event> out;
  std::int64_t n = 0;
  std::size_t start = 0;
  while (start < in.size()) {
    std::size_t nl = in.find('\n', start);
    const bool last = nl == std::string_view::npos;
    std::string_view line = in.substr(start, (last ? in.size() : nl) - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    ++n;
    if (line.size() > max)
      out.push_back({true, n, std::to_string(line.size())});
    else
      out.push_back({false, n, std::string(line)});
    if (last) break;
    start = nl + 1;
  }
  return out;
}

/// Differential check of the strict parser against boost::json::parse.
void check_strict(std::string_view line) {
  auto strict = vault::parse_json_strict(line);
  boost::json::parse_options opt;
  opt.max_depth = vault::StrictJsonParser::kDefaultMaxDepth;
  boost::system::error_code ec;
  boost::json::value loose = boost::json::parse(line, ec, {}, opt);
  if (strict) {
    if (ec) std::abort();
    if (boost::json::serialize(*strict) != boost::json::serialize(loose)) std::abort();
    return;
  }
  const bool duplicate = strict.error().details().contains("pointer");
  if (duplicate != (strict.error().kind() == vault::ErrorKind::Validation)) std::abort();
  if (duplicate) {
    if (ec) std::abort();  // valid JSON, only refused for the repeated key
    const auto& p = strict.error().details().at("pointer").as_string();
    if (p.empty() || p[0] != '/') std::abort();
  } else if (!ec) {
    std::abort();  // the strict parser refused valid JSON
  }
}

void check_record(std::string_view line, vault::domain::RecordParser& parser) {
  check_strict(line);
  auto a = vault::domain::parse_record(line);
  auto b = parser.parse(line);
  if (a.has_value() != b.has_value()) std::abort();
  if (!a) {
    if (a.error().kind() != b.error().kind()) std::abort();
    return;
  }
  // Compared as text: NaN (Boost.JSON parses 0e400 as NaN) != NaN.
  if (boost::json::serialize(**b) != boost::json::serialize(*a)) std::abort();
  auto first = fixed_schema().validate(*a);
  auto second = fixed_schema().validate(**b);
  if (first.has_value() != second.has_value()) std::abort();
  if (!first) {
    if (first.error().kind() != vault::ErrorKind::SchemaValidation) std::abort();
    if (first.error().details().at("field") != second.error().details().at("field")) std::abort();
    if (first.error().details().at("keyword") != second.error().details().at("keyword")) std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 5) return 0;
  const std::size_t max_line = data[0] < 128 ? 16 + data[0] : JsonlSplitter::kDefaultMaxLineBytes;
  std::uint32_t seed;
  std::memcpy(&seed, data + 1, 4);
  const std::string_view stream(reinterpret_cast<const char*>(data + 5), size - 5);

  std::vector<Event> events;
  vault::domain::RecordParser parser;
  JsonlSplitter splitter(
      [&](std::string_view line, std::int64_t n) {
        events.push_back({false, n, std::string(line)});
        check_record(line, parser);
      },
      [&](std::int64_t n, std::size_t length) {
        events.push_back({true, n, std::to_string(length)});
      },
      max_line);

  std::size_t pos = 0;
  while (pos < stream.size()) {
    seed = seed * 1664525u + 1013904223u;  // LCG: chunk sizes 0..63
    const std::size_t len = std::min<std::size_t>((seed >> 24) % 64, stream.size() - pos);
    splitter.feed(stream.substr(pos, len));
    pos += len;
  }
  splitter.finish();

  if (events != reference_split(stream, max_line)) std::abort();
  return 0;
}
