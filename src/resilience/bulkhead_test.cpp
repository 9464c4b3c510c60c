// Bulkhead admission, queueing and refusal with real threads.
#include "vault/resilience/bulkhead.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <latch>
#include <thread>

namespace vault::resilience {
namespace {

using namespace std::chrono_literals;

TEST(Bulkhead, AdmitsUpToMaxConcurrentAndRefusesAtOnceWithoutAQueue) {
  Bulkhead b("cache_operations", {.max_concurrent = 2, .queue_size = 0, .timeout = 10s});
  auto p1 = b.enter();
  auto p2 = b.enter();
  ASSERT_TRUE(p1 && p2);
  EXPECT_EQ(b.in_use(), 2);
  EXPECT_DOUBLE_EQ(b.utilization(), 1.0);
  const auto t0 = std::chrono::steady_clock::now();
  auto refused = b.enter();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 5s);  // fail fast, not after the 10 s timeout
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().kind(), ErrorKind::Overloaded);
  EXPECT_EQ(refused.error().retry_after(), 1);
  EXPECT_EQ(refused.error().details().at("bulkhead").as_string(), "cache_operations");
  { auto gone = std::move(*p1); }
  EXPECT_EQ(b.in_use(), 1);
  EXPECT_TRUE(b.enter());
}

TEST(Bulkhead, AQueuedCallerGetsTheNextFreeSlot) {
  Bulkhead b("storage_operations", {.max_concurrent = 1, .queue_size = 1, .timeout = 10s});
  auto held = b.enter();
  ASSERT_TRUE(held);
  auto waiter = std::async(std::launch::async, [&] { return b.enter().has_value(); });
  while (b.queued() == 0) std::this_thread::yield();
  EXPECT_FALSE(b.enter());  // the queue (1) is full
  { auto gone = std::move(*held); }
  EXPECT_TRUE(waiter.get());
  EXPECT_EQ(b.queued(), 0);
}

TEST(Bulkhead, AWaitEndsAtTheTimeoutOrTheDeadline) {
  {
    Bulkhead b("kms_operations", {.max_concurrent = 1, .queue_size = 5, .timeout = 50ms});
    auto held = b.enter();
    ASSERT_TRUE(held);
    const auto t0 = std::chrono::steady_clock::now();
    auto r = b.enter();
    EXPECT_GE(std::chrono::steady_clock::now() - t0, 50ms);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind(), ErrorKind::Overloaded);
  }
  Bulkhead b("kms_operations", {.max_concurrent = 1, .queue_size = 5, .timeout = 30s});
  auto held = b.enter();
  ASSERT_TRUE(held);
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_FALSE(b.enter(t0 + 20ms));  // the caller's deadline comes first
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 10s);
}

TEST(Bulkhead, NeverMoreThanMaxConcurrentUnderContention) {
  Bulkhead b("api_requests", {.max_concurrent = 3, .queue_size = 100, .timeout = 10s});
  std::atomic<int> inside{0}, peak{0}, done{0};
  std::vector<std::thread> ts;
  for (int i = 0; i < 16; ++i)
    ts.emplace_back([&] {
      for (int j = 0; j < 20; ++j) {
        auto p = b.enter();
        ASSERT_TRUE(p);
        const int now = ++inside;
        int seen = peak.load();
        while (now > seen && !peak.compare_exchange_weak(seen, now)) {
        }
        std::this_thread::sleep_for(100us);
        --inside;
        ++done;
      }
    });
  for (auto& t : ts) t.join();
  EXPECT_EQ(done.load(), 16 * 20);
  EXPECT_LE(peak.load(), 3);
  EXPECT_EQ(b.in_use(), 0);
}

TEST(Bulkhead, AdmitTakesAPlaceAtOnceOrRefusesAndStartWaitsForASlot) {
  Bulkhead b("api_requests", {.max_concurrent = 1, .queue_size = 1, .timeout = 10s});
  auto t1 = b.admit();
  auto t2 = b.admit();
  ASSERT_TRUE(t1 && t2);
  EXPECT_EQ(b.queued(), 2);  // admitted, not yet running
  const auto t0 = std::chrono::steady_clock::now();
  auto refused = b.admit();  // 1 running + 1 queued places are taken
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 1s);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().kind(), ErrorKind::Overloaded);
  EXPECT_EQ(refused.error().retry_after(), 1);
  EXPECT_EQ(b.rejected(), 1u);
  ASSERT_TRUE(t1->start());
  EXPECT_TRUE(t1->running());
  EXPECT_EQ(b.in_use(), 1);
  EXPECT_EQ(b.queued(), 1);
  auto second = std::async(std::launch::async, [&] { return t2->start().has_value(); });
  std::this_thread::sleep_for(20ms);
  { auto gone = std::move(*t1); }  // its slot goes to the waiting ticket
  EXPECT_TRUE(second.get());
  EXPECT_EQ(b.in_use(), 1);
  EXPECT_EQ(b.queued(), 0);
  { auto gone = std::move(*t2); }
  EXPECT_EQ(b.in_use(), 0);
  EXPECT_TRUE(b.admit());  // a dropped, never started ticket gives its place back
  EXPECT_EQ(b.queued(), 0);
}

TEST(Bulkhead, AStartedTicketWaitsAtMostTheTimeoutCountedFromItsAdmission) {
  Bulkhead b("api_requests", {.max_concurrent = 1, .queue_size = 4, .timeout = 100ms});
  auto running = b.admit();
  ASSERT_TRUE(running && running->start());
  auto late = b.admit();
  ASSERT_TRUE(late);
  std::this_thread::sleep_for(60ms);  // queued time counts
  const auto t0 = std::chrono::steady_clock::now();
  auto s = late->start();
  const auto waited = std::chrono::steady_clock::now() - t0;
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().kind(), ErrorKind::Overloaded);
  EXPECT_LT(waited, 90ms);
  EXPECT_EQ(b.queued(), 0);  // the place was given back at once
  EXPECT_EQ(b.rejected(), 1u);
  auto early = b.admit();
  ASSERT_TRUE(early);
  const auto deadline = std::chrono::steady_clock::now() + 10ms;
  EXPECT_FALSE(early->start(deadline));  // and never past the caller's deadline
}

TEST(Bulkhead, ConfigIsValidated) {
  EXPECT_TRUE(validate(BulkheadConfig{}));
  EXPECT_FALSE(validate(BulkheadConfig{.max_concurrent = 0}));
  EXPECT_FALSE(validate(BulkheadConfig{.queue_size = -1}));
}

}  // namespace
}  // namespace vault::resilience
