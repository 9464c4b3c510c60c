#include "vault/observability/logger.hpp"

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

#include <mutex>
#include <thread>
#include <vector>

namespace vault::obs {
namespace {

struct Capture {
  std::mutex mu;
  std::vector<std::string> lines;
  LogSink sink() {
    return [this](std::string_view l) {
      std::lock_guard lock(mu);
      lines.emplace_back(l);
    };
  }
};

TEST(Logger, WritesOneValidJsonLine) {
  Capture cap;
  Logger log("http", LogLevel::Info, cap.sink());
  log.info("request done", {{"status", 200}, {"duration_ms", 1.5}, {"ok", true}, {"path", "/x"}},
           {"0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331", "tn_1"});
  ASSERT_EQ(cap.lines.size(), 1u);
  const std::string& line = cap.lines[0];
  ASSERT_EQ(line.back(), '\n');
  EXPECT_EQ(line.find('\n'), line.size() - 1);
  auto v = boost::json::parse(line).as_object();
  EXPECT_EQ(v.at("level").as_string(), "info");
  EXPECT_EQ(v.at("logger").as_string(), "http");
  EXPECT_EQ(v.at("message").as_string(), "request done");
  EXPECT_EQ(v.at("trace_id").as_string(), "0af7651916cd43dd8448eb211c80319c");
  EXPECT_EQ(v.at("span_id").as_string(), "b7ad6b7169203331");
  EXPECT_EQ(v.at("tenant_id").as_string(), "tn_1");
  auto& f = v.at("fields").as_object();
  EXPECT_EQ(f.at("status").as_int64(), 200);
  EXPECT_DOUBLE_EQ(f.at("duration_ms").as_double(), 1.5);
  EXPECT_EQ(f.at("ok").as_bool(), true);
  EXPECT_EQ(f.at("path").as_string(), "/x");
  // RFC 3339 UTC with milliseconds.
  std::string ts(v.at("timestamp").as_string());
  ASSERT_EQ(ts.size(), 24u);
  EXPECT_EQ(ts[10], 'T');
  EXPECT_EQ(ts[19], '.');
  EXPECT_EQ(ts.back(), 'Z');
}

TEST(Logger, MissingContextIsNull) {
  Capture cap;
  Logger log("x", LogLevel::Debug, cap.sink());
  log.debug("m");
  auto v = boost::json::parse(cap.lines.at(0)).as_object();
  EXPECT_TRUE(v.at("trace_id").is_null());
  EXPECT_TRUE(v.at("span_id").is_null());
  EXPECT_TRUE(v.at("tenant_id").is_null());
  EXPECT_TRUE(v.at("fields").as_object().empty());
}

TEST(Logger, EscapesControlQuotesAndInvalidUtf8) {
  Capture cap;
  Logger log("x", LogLevel::Info, cap.sink());
  std::string nasty = "q\"b\\n\nt\tc\x01 \xc3\xa9 bad\xff\xc3 end";
  log.error(nasty, {{"k\"ey", nasty}});
  ASSERT_EQ(cap.lines.size(), 1u);
  auto v = boost::json::parse(cap.lines[0]).as_object();
  EXPECT_EQ(v.at("message").as_string(), "q\"b\\n\nt\tc\x01 \xc3\xa9 bad\xef\xbf\xbd\xef\xbf\xbd end");
  EXPECT_TRUE(v.at("fields").as_object().contains("k\"ey"));
  std::string out;
  append_json_string(out, "\xed\xa0\x80");  // encoded surrogate: invalid
  EXPECT_EQ(out, "\"\\ufffd\\ufffd\\ufffd\"");
}

TEST(Logger, LevelThreshold) {
  Capture cap;
  Logger log("x", LogLevel::Warn, cap.sink());
  log.debug("d");
  log.info("i");
  log.warn("w");
  log.error("e");
  EXPECT_EQ(cap.lines.size(), 2u);
  Logger child = log.named("child");
  child.set_level(LogLevel::Debug);  // shared with the parent
  log.debug("d2");
  EXPECT_EQ(cap.lines.size(), 3u);
  auto v = boost::json::parse(cap.lines.back()).as_object();
  EXPECT_EQ(v.at("logger").as_string(), "x");
  EXPECT_EQ(v.at("level").as_string(), "debug");
}

TEST(Logger, ParseLevel) {
  EXPECT_EQ(parse_log_level("DEBUG"), LogLevel::Debug);
  EXPECT_EQ(parse_log_level("info"), LogLevel::Info);
  EXPECT_EQ(parse_log_level("warning"), LogLevel::Warn);
  EXPECT_EQ(parse_log_level("error"), LogLevel::Error);
  EXPECT_FALSE(parse_log_level("loud"));
}

TEST(Logger, NonFiniteNumbersStayValidJson) {
  Capture cap;
  Logger log("x", LogLevel::Info, cap.sink());
  log.info("n", {{"nan", 0.0 / 0.0}, {"neg", -5}, {"big", std::uint64_t{18446744073709551615ULL}}});
  auto f = boost::json::parse(cap.lines.at(0)).as_object().at("fields").as_object();
  EXPECT_TRUE(f.at("nan").is_null());
  EXPECT_EQ(f.at("neg").as_int64(), -5);
  EXPECT_EQ(f.at("big").as_uint64(), 18446744073709551615ULL);
}

TEST(Logger, ThrowingSinkDoesNotThrow) {
  Logger log("x", LogLevel::Info, [](std::string_view) { throw std::runtime_error("disk full"); });
  EXPECT_NO_THROW(log.info("m"));
}

TEST(Logger, ConcurrentLinesAreWhole) {
  Capture cap;
  Logger log("x", LogLevel::Info, cap.sink());
  std::vector<std::thread> ts;
  for (int t = 0; t < 4; ++t) {
    ts.emplace_back([&, t] {
      for (int i = 0; i < 500; ++i) log.info("line", {{"t", t}, {"i", i}});
    });
  }
  for (auto& t : ts) t.join();
  ASSERT_EQ(cap.lines.size(), 2000u);
  for (const auto& l : cap.lines) EXPECT_NO_THROW(boost::json::parse(l));
}

}  // namespace
}  // namespace vault::obs
