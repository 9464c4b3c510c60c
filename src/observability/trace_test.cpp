#include "vault/observability/trace.hpp"

#include <gtest/gtest.h>

#include <set>

namespace vault::obs {
namespace {

constexpr const char* kValid = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

TEST(Traceparent, ParsesValidVersion00) {
  auto tp = parse_traceparent(kValid);
  ASSERT_TRUE(tp);
  EXPECT_EQ(tp->version, 0);
  EXPECT_EQ(tp->trace_id, "0af7651916cd43dd8448eb211c80319c");
  EXPECT_EQ(tp->parent_id, "b7ad6b7169203331");
  EXPECT_EQ(tp->flags, 1);
  EXPECT_TRUE(tp->sampled());
  EXPECT_TRUE(parse_traceparent(std::string(" ") + kValid + "\t"));
}

TEST(Traceparent, RejectsInvalid) {
  const char* bad[] = {
      "",
      "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331",           // no flags
      "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-extra",  // v00 must be exact
      "00-00000000000000000000000000000000-b7ad6b7169203331-01",        // zero trace id
      "00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01",        // zero parent id
      "00-0AF7651916CD43DD8448EB211C80319C-b7ad6b7169203331-01",        // uppercase
      "00-0af7651916cd43dd8448eb211c80319g-b7ad6b7169203331-01",        // bad hex
      "00-0af7651916cd43dd8448eb211c8031-b7ad6b7169203331-0100",        // wrong lengths
      "00_0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",        // bad delimiter
      "ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",        // forbidden version
      "0g-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",        // bad version hex
      "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-0x",        // bad flags
  };
  for (const char* b : bad) EXPECT_FALSE(parse_traceparent(b)) << b;
}

TEST(Traceparent, FutureVersions) {
  auto tp = parse_traceparent("cc-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-what-the-future");
  ASSERT_TRUE(tp);
  EXPECT_EQ(tp->version, 0xcc);
  EXPECT_EQ(tp->trace_id, "0af7651916cd43dd8448eb211c80319c");
  EXPECT_TRUE(parse_traceparent("01-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00"));
  // Extra data must follow a dash.
  EXPECT_FALSE(parse_traceparent("01-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00x"));
}

TEST(Traceparent, FormatRoundTrip) {
  auto s = format_traceparent("0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331", 1);
  EXPECT_EQ(s, kValid);
  auto tid = new_trace_id();
  auto sid = new_span_id();
  auto tp = parse_traceparent(format_traceparent(tid, sid, 0));
  ASSERT_TRUE(tp);
  EXPECT_EQ(tp->trace_id, tid);
  EXPECT_EQ(tp->parent_id, sid);
  EXPECT_FALSE(tp->sampled());
}

TEST(Tracestate, OnlyPlausibleValuesAreCarriedOn) {
  EXPECT_TRUE(is_acceptable_tracestate("vendor=a1,other=b2"));
  EXPECT_TRUE(is_acceptable_tracestate("congo=t61rcWkgMzE"));
  EXPECT_FALSE(is_acceptable_tracestate(""));
  EXPECT_FALSE(is_acceptable_tracestate(std::string(513, 'a')));
  EXPECT_FALSE(is_acceptable_tracestate("a=1\r\nx-injected: 1"));  // no control characters
  std::string many;
  for (int i = 0; i < 33; ++i) many += (i ? "," : "") + std::string("k") + std::to_string(i) + "=v";
  EXPECT_FALSE(is_acceptable_tracestate(many));  // more than 32 members
}

TEST(TraceIds, ShapeAndUniqueness) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    auto t = new_trace_id();
    auto s = new_span_id();
    ASSERT_EQ(t.size(), 32u);
    ASSERT_EQ(s.size(), 16u);
    for (char c : t + s) ASSERT_TRUE((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
    EXPECT_TRUE(seen.insert(t).second);
    EXPECT_TRUE(seen.insert(s).second);
  }
  EXPECT_EQ(new_request_id().size(), 32u);
}

TEST(RequestId, Acceptable) {
  EXPECT_TRUE(is_acceptable_request_id("abc-123_x.Y:z"));
  EXPECT_FALSE(is_acceptable_request_id(""));
  EXPECT_FALSE(is_acceptable_request_id("has space"));
  EXPECT_FALSE(is_acceptable_request_id("quote\""));
  EXPECT_FALSE(is_acceptable_request_id(std::string(129, 'a')));
  EXPECT_FALSE(is_acceptable_request_id("new\nline"));
}

}  // namespace
}  // namespace vault::obs
