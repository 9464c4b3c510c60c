#include "vault/core/cancellation.hpp"

#include <gtest/gtest.h>

#include <thread>

namespace vault {
namespace {

using Clock = Cancellation::Clock;

TEST(Cancellation, NoDeadlineNeverExpires) {
  Cancellation c;
  EXPECT_TRUE(c.check());
  EXPECT_EQ(c.deadline(), Clock::time_point::max());
}

TEST(Cancellation, PastDeadlineIsDeadlineExceeded) {
  Cancellation c(Clock::now() - std::chrono::milliseconds(1));
  auto s = c.check();
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().kind(), ErrorKind::DeadlineExceeded);
  EXPECT_EQ(s.error().http_status(), 504);
  EXPECT_TRUE(is_cancellation(s.error()));
  c.set_deadline(Clock::now() + std::chrono::hours(1));
  EXPECT_TRUE(c.check());
}

TEST(Cancellation, CancelFromAnotherThreadIsSeen) {
  Cancellation c(Clock::now() + std::chrono::hours(1));
  std::thread([&] { c.cancel(); }).join();
  auto s = c.check();
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().kind(), ErrorKind::Transient);
  EXPECT_TRUE(is_cancellation(s.error()));
  EXPECT_FALSE(is_cancellation(Error(ErrorKind::Transient, "other")));
  EXPECT_FALSE(is_cancellation(Error(ErrorKind::SchemaValidation, "x")));
}

TEST(Cancellation, ScopeInstallsAndRestoresTheCurrentToken) {
  EXPECT_EQ(Cancellation::current(), nullptr);
  EXPECT_TRUE(check_cancelled());
  Cancellation outer, inner;
  inner.cancel();
  {
    CancellationScope a(&outer);
    EXPECT_EQ(Cancellation::current(), &outer);
    EXPECT_TRUE(check_cancelled());
    {
      CancellationScope b(&inner);
      EXPECT_EQ(Cancellation::current(), &inner);
      EXPECT_FALSE(check_cancelled());
      // Other threads do not inherit it.
      std::thread([] { EXPECT_EQ(Cancellation::current(), nullptr); }).join();
    }
    EXPECT_EQ(Cancellation::current(), &outer);
  }
  EXPECT_EQ(Cancellation::current(), nullptr);
}

TEST(Cancellation, PeriodicCheckFiresWithinOnePeriod) {
  Cancellation c;
  CancellationCheck check(&c, 100);
  EXPECT_TRUE(check.tick());
  c.cancel();
  int ticks = 0;
  while (check.tick() && ticks < 1000) ++ticks;
  EXPECT_LE(ticks, 100);
  CancellationCheck none(nullptr, 1);
  EXPECT_TRUE(none.tick(1000000));
}

}  // namespace
}  // namespace vault
