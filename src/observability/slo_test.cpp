// SloTracker on a ManualClock: windows, budgets, burn rates, the report and
// persistence across a restart.
#include "vault/observability/slo.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <unistd.h>

namespace vault::obs {
namespace {

using namespace std::chrono_literals;

TEST(Slo, CountsFallIntoTheirMinuteAndWindowsSumThem) {
  ManualClock clock;
  SloTracker slo({}, clock);
  for (int i = 0; i < 98; ++i) slo.record(200, 0.01);
  slo.record(503, 0.01);
  slo.record(200, 0.5);  // slow
  clock.advance(10min);
  slo.record(500, 0.01);
  EXPECT_EQ(slo.counts(5min).total, 1u);
  EXPECT_EQ(slo.counts(5min).errors, 1u);
  const SloCounts hour = slo.counts(60min);
  EXPECT_EQ(hour.total, 101u);
  EXPECT_EQ(hour.errors, 2u);
  EXPECT_EQ(hour.slow, 1u);
  clock.advance(std::chrono::hours(24 * 30));  // everything ages out of the 30 days
  EXPECT_EQ(slo.counts(std::chrono::minutes(SloTracker::kMinutes)).total, 0u);
}

TEST(Slo, BudgetAndBurnRateFollowTheTargets) {
  ManualClock clock;
  SloTracker slo({.availability = 0.999, .latency = 0.99}, clock);
  EXPECT_DOUBLE_EQ(slo.availability_budget_remaining(), 1.0);  // nothing measured: untouched
  for (int i = 0; i < 9995; ++i) slo.record(200, 0.01);
  for (int i = 0; i < 5; ++i) slo.record(502, 0.01);
  // 5 errors in 10,000 = 0.05%: half of the 0.1% budget spent, burning at 0.5x
  EXPECT_NEAR(slo.availability_budget_remaining(), 0.5, 1e-9);
  EXPECT_NEAR(slo.availability_burn_rate(5min), 0.5, 1e-9);
  EXPECT_NEAR(slo.latency_budget_remaining(), 1.0, 1e-9);
  for (int i = 0; i < 200; ++i) slo.record(200, 0.3);  // ~2% slow: latency budget overspent
  EXPECT_LT(slo.latency_budget_remaining(), 0.0);
  EXPECT_GT(slo.latency_burn_rate(5min), 1.0);
}

TEST(Slo, TheReportIsTheSpecsComplianceMatrix) {
  ManualClock clock;
  SloTracker slo({}, clock);
  auto empty = slo.report();
  EXPECT_EQ(empty.at("slos").as_array()[0].as_object().at("status").as_string(), "no_data");
  for (int i = 0; i < 1000; ++i) slo.record(200, 0.01);
  slo.record(500, 0.01);
  slo.record(500, 0.01);
  auto r = slo.report();
  const auto& slos = r.at("slos").as_array();
  ASSERT_EQ(slos.size(), 4u);
  const auto& a = slos[0].as_object();
  EXPECT_EQ(a.at("slo").as_string(), "availability");
  EXPECT_EQ(a.at("period").as_string(), "30d");
  EXPECT_EQ(a.at("status").as_string(), "violated");  // 0.2% errors > 0.1%
  EXPECT_LT(a.at("budget_remaining").as_double(), 0.0);
  EXPECT_TRUE(a.at("burn_rate").as_object().contains("5m"));
  EXPECT_TRUE(a.at("burn_rate").as_object().contains("30d"));
  EXPECT_EQ(slos[1].as_object().at("status").as_string(), "met");
  EXPECT_EQ(slos[3].as_object().at("slo").as_string(), "throughput");
  EXPECT_EQ(r.at("requests_30d").as_uint64(), 1002u);
}

TEST(Slo, SavedStateSurvivesARestartAndOldMinutesAreDropped) {
  const std::string path = "/tmp/vault_slo_test_" + std::to_string(::getpid()) + ".json";
  ManualClock clock;
  {
    SloTracker slo({}, clock);
    for (int i = 0; i < 10; ++i) slo.record(200, 0.01);
    slo.record(503, 0.01);
    clock.advance(3h);
    slo.record(200, 0.01);
    ASSERT_TRUE(slo.save(path));
  }
  SloTracker again({}, clock);
  ASSERT_TRUE(again.load(path));
  EXPECT_EQ(again.counts(std::chrono::minutes(SloTracker::kMinutes)).total, 12u);
  EXPECT_EQ(again.counts(std::chrono::minutes(SloTracker::kMinutes)).errors, 1u);
  clock.advance(std::chrono::hours(24 * 30) - 1h);  // the first minute is now older than 30 days
  SloTracker later({}, clock);
  ASSERT_TRUE(later.load(path));
  EXPECT_EQ(later.counts(std::chrono::minutes(SloTracker::kMinutes)).total, 1u);
  // a missing file is a first start; a corrupt one is reported
  EXPECT_TRUE(SloTracker({}, clock).load(path + ".missing"));
  {
    std::FILE* f = std::fopen(path.c_str(), "w");
    std::fputs("not json", f);
    std::fclose(f);
  }
  EXPECT_FALSE(SloTracker({}, clock).load(path));
  std::remove(path.c_str());
}

}  // namespace
}  // namespace vault::obs
