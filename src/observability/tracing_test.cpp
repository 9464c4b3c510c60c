// Sampling decisions, collectors on threads, the tracer's queue and the
// OTLP/JSON and JSON-lines encodings.
#include "vault/observability/tracing.hpp"

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

#include <thread>

namespace vault::obs {
namespace {

TracingSettings settings(double rate) {
  TracingSettings s;
  s.default_rate = rate;
  s.rules = {{"/health/*", 0.0}, {"/api/v1/admin/*", 1.0}};
  return s;
}

TEST(Sampler, ErrorsSlowRequestsAndSampledParentsAreAlwaysKept) {
  Sampler s(settings(0.0));
  EXPECT_FALSE(s.keep("/api/v1/datasets", 200, 0.01, false, 0.5));
  EXPECT_TRUE(s.keep("/api/v1/datasets", 503, 0.01, false, 0.99));
  EXPECT_TRUE(s.keep("/api/v1/datasets", 200, 1.5, false, 0.99));  // slower than the 1 s threshold
  EXPECT_TRUE(s.keep("/api/v1/datasets", 200, 0.01, true, 0.99));  // the caller records this trace
  TracingSettings quiet = settings(0.0);
  quiet.sample_errors = false;
  quiet.sample_slow_requests = false;
  EXPECT_FALSE(Sampler(quiet).keep("/x", 500, 5.0, false, 0.5));
}

TEST(Sampler, TheFirstMatchingRuleWinsOverTheDefaultRate) {
  Sampler s(settings(0.25));
  EXPECT_DOUBLE_EQ(s.rate_for("/api/v1/admin/slo"), 1.0);
  EXPECT_DOUBLE_EQ(s.rate_for("/health/ready"), 0.0);
  EXPECT_DOUBLE_EQ(s.rate_for("/api/v1/datasets"), 0.25);
  EXPECT_TRUE(s.keep("/api/v1/datasets", 200, 0.0, false, 0.2));
  EXPECT_FALSE(s.keep("/api/v1/datasets", 200, 0.0, false, 0.3));
  EXPECT_TRUE(s.keep("/api/v1/admin/mode", 200, 0.0, false, 0.999));
}

TEST(TraceCollector, ChildrenOfTheThreadsRequestHangOffItsServerSpan) {
  TraceCollector c("0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331");
  EXPECT_EQ(current_trace(), nullptr);
  {
    TraceScope scope(&c);
    ASSERT_EQ(current_trace(), &c);
    std::thread other([] { EXPECT_EQ(current_trace(), nullptr); });  // per thread
    other.join();
    current_trace()->add_child("metadata_store.read", 10, 20, false, {{"backend", "sqlite"}});
  }
  EXPECT_EQ(current_trace(), nullptr);
  auto spans = c.take();
  ASSERT_EQ(spans.size(), 1u);
  EXPECT_EQ(spans[0].trace_id, "0af7651916cd43dd8448eb211c80319c");
  EXPECT_EQ(spans[0].parent_span_id, "b7ad6b7169203331");
  EXPECT_EQ(spans[0].span_id.size(), 16u);
  EXPECT_FALSE(spans[0].server);
  EXPECT_TRUE(c.take().empty());
}

class Recording final : public SpanExporter {
 public:
  Status export_spans(const std::vector<SpanRecord>& spans) override {
    std::lock_guard lock(mu);
    for (const auto& s : spans) names.push_back(s.name);
    return {};
  }
  std::mutex mu;
  std::vector<std::string> names;
};

TEST(Tracer, SubmittedSpansReachTheExporter) {
  auto rec = std::make_unique<Recording>();
  Recording* r = rec.get();
  std::vector<std::unique_ptr<SpanExporter>> ex;
  ex.push_back(std::move(rec));
  Tracer t(settings(1.0), std::move(ex));
  SpanRecord a;
  a.name = "GET /x";
  SpanRecord b;
  b.name = "metadata_store.read";
  t.submit({a, b});
  t.flush();
  std::lock_guard lock(r->mu);
  EXPECT_EQ(r->names, (std::vector<std::string>{"GET /x", "metadata_store.read"}));
  EXPECT_EQ(t.exported(), 2u);
  EXPECT_EQ(t.dropped(), 0u);
}

TEST(SpanEncoding, OtlpJsonAndJsonLines) {
  SpanRecord s;
  s.trace_id = "0af7651916cd43dd8448eb211c80319c";
  s.span_id = "00f067aa0ba902b7";
  s.parent_span_id = "b7ad6b7169203331";
  s.name = "GET /api/v1/datasets/{id}";
  s.server = true;
  s.start_us = 1000;
  s.end_us = 3500;
  s.error = true;
  s.attributes = {{"http.status_code", "503"}};
  s.trace_state = "vendor=a1";
  auto v = boost::json::parse(otlp_json({s}, "vaultd")).as_object();
  const auto& rs = v.at("resourceSpans").as_array()[0].as_object();
  EXPECT_EQ(rs.at("resource").at("attributes").as_array()[0].at("value").at("stringValue").as_string(), "vaultd");
  const auto& span = rs.at("scopeSpans").as_array()[0].at("spans").as_array()[0].as_object();
  EXPECT_EQ(span.at("traceId").as_string(), s.trace_id);
  EXPECT_EQ(span.at("parentSpanId").as_string(), s.parent_span_id);
  EXPECT_EQ(span.at("traceState").as_string(), "vendor=a1");
  EXPECT_EQ(span.at("kind").as_int64(), 2);
  EXPECT_EQ(span.at("startTimeUnixNano").as_string(), "1000000");
  EXPECT_EQ(span.at("status").at("code").as_int64(), 2);
  auto line = boost::json::parse(span_json_line(s)).as_object();
  EXPECT_EQ(line.at("status").as_string(), "error");
  EXPECT_DOUBLE_EQ(line.at("duration_ms").as_double(), 2.5);
  EXPECT_EQ(line.at("attributes").at("http.status_code").as_string(), "503");
}

}  // namespace
}  // namespace vault::obs
