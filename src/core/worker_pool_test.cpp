// WorkerPool: bounded queue, rejection when full, drain on stop; run_parts
// and submit_or_run fall back to the caller's thread.
#include "vault/core/worker_pool.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <latch>
#include <set>
#include <stdexcept>
#include <thread>

namespace vault {
namespace {

TEST(WorkerPool, RejectsWhenFullAndDrainsOnStop) {
  WorkerPool pool(1, 1);
  std::latch started(1);
  std::latch release(1);
  std::atomic<int> ran{0};
  WorkerPool::Job block = [&] {
    started.count_down();
    release.wait();
    ++ran;
  };
  ASSERT_TRUE(pool.try_submit(block));
  started.wait();  // the only worker is busy
  WorkerPool::Job queued = [&] { ++ran; };
  ASSERT_TRUE(pool.try_submit(queued));  // fills the queue (limit 1)
  WorkerPool::Job rejected = [&] { ++ran; };
  EXPECT_FALSE(pool.try_submit(rejected));
  EXPECT_TRUE(static_cast<bool>(rejected));  // left with the caller
  release.count_down();
  pool.stop();
  EXPECT_EQ(ran.load(), 2);
  WorkerPool::Job late = [] {};
  EXPECT_FALSE(pool.try_submit(late));
}

TEST(WorkerPool, RunPartsRunsEveryPartOnceAndWaitsForAll) {
  WorkerPool pool(2, 8);
  std::vector<std::atomic<int>> runs(16);
  std::mutex mu;
  std::set<std::thread::id> threads;
  run_parts(&pool, runs.size(), [&](std::size_t part) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    ++runs[part];
    std::lock_guard lock(mu);
    threads.insert(std::this_thread::get_id());
  });
  for (auto& r : runs) EXPECT_EQ(r.load(), 1);
  EXPECT_GE(threads.size(), 2u);  // the caller and at least one pool thread
}

TEST(WorkerPool, RunPartsUsesTheCallerWhenThePoolIsFullOrAbsent) {
  WorkerPool pool(1, 0);
  std::latch started(1), release(1);
  WorkerPool::Job block = [&] {
    started.count_down();
    release.wait();
  };
  ASSERT_TRUE(pool.try_submit(block));
  started.wait();  // the pool can take nothing more
  std::atomic<int> on_caller{0};
  const auto me = std::this_thread::get_id();
  run_parts(&pool, 4, [&](std::size_t) { on_caller += std::this_thread::get_id() == me; });
  EXPECT_EQ(on_caller.load(), 4);
  on_caller = 0;
  run_parts(nullptr, 3, [&](std::size_t) { on_caller += std::this_thread::get_id() == me; });
  EXPECT_EQ(on_caller.load(), 3);
  release.count_down();
}

TEST(WorkerPool, RunPartsRethrowsAfterEveryPartFinished) {
  WorkerPool pool(2, 8);
  std::atomic<int> finished{0};
  EXPECT_THROW(run_parts(&pool, 6,
                         [&](std::size_t part) {
                           if (part == 3) throw std::runtime_error("part 3");
                           std::this_thread::sleep_for(std::chrono::milliseconds(5));
                           ++finished;
                         }),
               std::runtime_error);
  EXPECT_EQ(finished.load(), 5);
}

TEST(WorkerPool, SubmitOrRunGivesTheResultEitherWay) {
  WorkerPool pool(1, 4);
  auto on_pool = submit_or_run(&pool, [] { return std::this_thread::get_id(); });
  EXPECT_NE(on_pool.get(), std::this_thread::get_id());
  auto inline_run = submit_or_run(nullptr, [] { return std::this_thread::get_id(); });
  EXPECT_EQ(inline_run.get(), std::this_thread::get_id());
  auto failing = submit_or_run(&pool, []() -> int { throw std::runtime_error("no"); });
  EXPECT_THROW(failing.get(), std::runtime_error);
}

}  // namespace
}  // namespace vault
