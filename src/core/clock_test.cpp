#include "vault/core/clock.hpp"

#include <gtest/gtest.h>

#include <thread>

namespace vault {
namespace {

TEST(ClockTest, ManualClockMovesOnlyWhenAdvanced) {
  ManualClock clock;
  const auto s0 = clock.steady_now();
  const auto w0 = clock.system_now();
  EXPECT_EQ(clock.steady_now(), s0);
  clock.advance(std::chrono::milliseconds(1500));
  EXPECT_EQ(clock.steady_now() - s0, std::chrono::milliseconds(1500));
  EXPECT_EQ(clock.system_now() - w0, std::chrono::milliseconds(1500));
  EXPECT_EQ(clock.unix_ms(), 1767225600000 + 1500);
  EXPECT_EQ(clock.unix_micros(), (1767225600000 + 1500) * 1000);
}

TEST(ClockTest, ManualClockAdvanceIsSeenByOtherThreads) {
  ManualClock clock;
  const auto s0 = clock.steady_now();
  std::thread t([&] { clock.advance(std::chrono::seconds(2)); });
  t.join();
  EXPECT_EQ(clock.steady_now() - s0, std::chrono::seconds(2));
}

TEST(ClockTest, SystemClockIsMonotonic) {
  const Clock& c = system_clock();
  const auto a = c.steady_now();
  const auto b = c.steady_now();
  EXPECT_LE(a, b);
  EXPECT_GT(c.unix_ms(), 1700000000000);
}

}  // namespace
}  // namespace vault
