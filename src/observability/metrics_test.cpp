#include "vault/observability/metrics.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <thread>
#include <unistd.h>

namespace vault::metrics {
namespace {

TEST(Metrics, ExpositionGolden) {
  Registry r;
  auto& req = r.counter("vault_test_requests_total", "Requests served.", {"method", "status"});
  req.labels({"GET", "200"}).inc();
  req.labels({"GET", "200"}).inc(2);
  req.labels({"POST", "500"}).inc();
  auto& g = r.gauge("vault_test_active", "In flight\nnow \\ here.");
  g.get().set(3);
  g.get().dec();
  auto& h = r.histogram("vault_test_latency_seconds", "Latency.", {"endpoint"}, {0.1, 1});
  auto& child = h.labels({"/a/{id}"});
  child.observe(0.05);
  child.observe(0.1);  // le is inclusive
  child.observe(0.5);
  child.observe(7);
  const std::string expected =
      "# HELP vault_test_requests_total Requests served.\n"
      "# TYPE vault_test_requests_total counter\n"
      "vault_test_requests_total{method=\"GET\",status=\"200\"} 3\n"
      "vault_test_requests_total{method=\"POST\",status=\"500\"} 1\n"
      "# HELP vault_test_active In flight\\nnow \\\\ here.\n"
      "# TYPE vault_test_active gauge\n"
      "vault_test_active 2\n"
      "# HELP vault_test_latency_seconds Latency.\n"
      "# TYPE vault_test_latency_seconds histogram\n"
      "vault_test_latency_seconds_bucket{endpoint=\"/a/{id}\",le=\"0.1\"} 2\n"
      "vault_test_latency_seconds_bucket{endpoint=\"/a/{id}\",le=\"1\"} 3\n"
      "vault_test_latency_seconds_bucket{endpoint=\"/a/{id}\",le=\"+Inf\"} 4\n"
      "vault_test_latency_seconds_sum{endpoint=\"/a/{id}\"} 7.65\n"
      "vault_test_latency_seconds_count{endpoint=\"/a/{id}\"} 4\n";
  EXPECT_EQ(r.render(), expected);
}

TEST(Metrics, UnlabelledHistogramAndEmptyFamilies) {
  Registry r;
  r.counter("vault_test_empty_total", "No children yet.", {"x"});
  auto& h = r.histogram("vault_test_size_bytes", "Sizes.", {}, {10});
  h.get().observe(20);
  EXPECT_EQ(r.render(),
            "# HELP vault_test_empty_total No children yet.\n"
            "# TYPE vault_test_empty_total counter\n"
            "# HELP vault_test_size_bytes Sizes.\n"
            "# TYPE vault_test_size_bytes histogram\n"
            "vault_test_size_bytes_bucket{le=\"10\"} 0\n"
            "vault_test_size_bytes_bucket{le=\"+Inf\"} 1\n"
            "vault_test_size_bytes_sum 20\n"
            "vault_test_size_bytes_count 1\n");
}

TEST(Metrics, LabelValueEscaping) {
  std::string out;
  append_escaped_label_value(out, "a\"b\\c\nd");
  EXPECT_EQ(out, "a\\\"b\\\\c\\nd");
  out.clear();
  append_number(out, 1.0 / 0.0);
  out += ' ';
  append_number(out, 0.0 / 0.0);
  out += ' ';
  append_number(out, 0.005);
  EXPECT_EQ(out, "+Inf NaN 0.005");
}

TEST(Metrics, HistogramBucketMath) {
  std::vector<double> bounds = {1, 2, 4};
  Histogram h(bounds);
  for (double v : {0.0, 1.0, 1.5, 2.0, 3.0, 4.0, 4.5, -1.0}) h.observe(v);
  auto s = h.snapshot();
  ASSERT_EQ(s.cumulative.size(), 4u);
  EXPECT_EQ(s.cumulative[0], 3u);  // 0, 1, -1
  EXPECT_EQ(s.cumulative[1], 5u);  // + 1.5, 2
  EXPECT_EQ(s.cumulative[2], 7u);  // + 3, 4
  EXPECT_EQ(s.cumulative[3], 8u);  // + 4.5
  EXPECT_EQ(s.count, 8u);
  EXPECT_DOUBLE_EQ(s.sum, 15.0);
}

TEST(Metrics, DefaultAndExponentialBuckets) {
  auto d = default_latency_buckets();
  ASSERT_EQ(d.size(), 11u);
  EXPECT_DOUBLE_EQ(d.front(), 0.005);
  EXPECT_DOUBLE_EQ(d.back(), 10);
  auto e = exponential_buckets(100, 10, 3);
  EXPECT_EQ(e, (std::vector<double>{100, 1000, 10000}));
  EXPECT_THROW(exponential_buckets(0, 2, 3), std::invalid_argument);
}

TEST(Metrics, ChildrenAreStableAndCached) {
  Registry r;
  auto& f = r.counter("vault_test_total", "t", {"a"});
  Counter& c1 = f.labels({"x"});
  for (int i = 0; i < 100; ++i) f.labels({std::to_string(i)});
  EXPECT_EQ(&c1, &f.labels({"x"}));
  EXPECT_THROW(f.labels({"x", "y"}), std::invalid_argument);
}

TEST(Metrics, RegistrationIsIdempotentAndConflictsThrow) {
  Registry r;
  auto& a = r.counter("vault_test_total", "t", {"a"});
  EXPECT_EQ(&a, &r.counter("vault_test_total", "t", {"a"}));
  EXPECT_THROW(r.counter("vault_test_total", "t", {"b"}), std::invalid_argument);
  EXPECT_THROW(r.gauge("vault_test_total", "t", {"a"}), std::invalid_argument);
  EXPECT_THROW(r.counter("bad-name", "t"), std::invalid_argument);
  EXPECT_THROW(r.counter("vault_x_total", "t", {"__reserved"}), std::invalid_argument);
  EXPECT_THROW(r.histogram("vault_h", "t", {"le"}), std::invalid_argument);
  EXPECT_THROW(r.histogram("vault_h", "t", {}, {2, 1}), std::invalid_argument);
}

TEST(Metrics, ConcurrentUpdatesAreNotLost) {
  Registry r;
  auto& f = r.counter("vault_test_total", "t", {"k"});
  auto& h = r.histogram("vault_test_seconds", "t", {"k"});
  std::vector<std::thread> ts;
  for (int t = 0; t < 4; ++t) {
    ts.emplace_back([&, t] {
      for (int i = 0; i < 10000; ++i) {
        f.labels({i % 2 ? "odd" : "even"}).inc();
        h.labels({t % 2 ? "a" : "b"}).observe(0.01);
      }
    });
  }
  for (auto& t : ts) t.join();
  EXPECT_DOUBLE_EQ(f.labels({"odd"}).value() + f.labels({"even"}).value(), 40000);
  EXPECT_EQ(h.labels({"a"}).snapshot().count + h.labels({"b"}).snapshot().count, 40000u);
}

TEST(Metrics, PromtoolAcceptsOutput) {
  if (std::system("command -v promtool >/dev/null 2>&1") != 0) GTEST_SKIP() << "promtool not installed";
  Registry r;
  r.counter("vault_test_requests_total", "Requests.", {"method", "endpoint", "status"})
      .labels({"GET", "/api/v1/datasets/{id}", "200"})
      .inc();
  r.histogram("vault_test_request_duration_seconds", "Latency.", {"method"}).labels({"GET"}).observe(0.2);
  r.gauge("vault_test_active_requests", "Active.").get().set(1);
  r.counter("vault_test_odd_total", "Odd \"label\".", {"v"}).labels({"quote\" back\\ nl\n"}).inc();
  char path[] = "/tmp/vault_metrics_XXXXXX";
  int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  close(fd);
  std::ofstream(path) << r.render();
  std::string cmd = std::string("promtool check metrics < ") + path + " >/dev/null 2>&1";
  int rc = std::system(cmd.c_str());
  std::remove(path);
  EXPECT_EQ(rc, 0);
}

TEST(Metrics, DefaultRegistryIsASingleton) { EXPECT_EQ(&default_registry(), &default_registry()); }

TEST(Registry, CollectorsRunBeforeEveryRender) {
  Registry r;
  auto& g = r.gauge("vault_test_read_value", "set by a collector").get();
  int calls = 0;
  r.add_collector([&] { g.set(++calls); });
  EXPECT_NE(r.render().find("vault_test_read_value 1"), std::string::npos);
  EXPECT_NE(r.render().find("vault_test_read_value 2"), std::string::npos);
}

}  // namespace
}  // namespace vault::metrics
