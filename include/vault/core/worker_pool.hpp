#pragma once
/// A fixed set of threads draining a bounded FIFO queue: the bulkhead the
/// HTTP handlers run in, and the threads record import parses and seals on.
/// A full queue rejects at once (no waiting); run_parts() and
/// submit_or_run() then do the work on the caller's thread instead.
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace vault {

class WorkerPool {
 public:
  using Job = std::move_only_function<void()>;

  /// `threads` >= 1; `queue_limit` = jobs that may wait beyond the running ones.
  WorkerPool(int threads, std::size_t queue_limit);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  /// Moves `job` into the queue; returns false (leaving `job` as it was) when the queue is full
  /// or the pool is stopping. Jobs must not throw (exceptions are swallowed).
  bool try_submit(Job& job);
  /// Stops accepting jobs, runs the queued ones, joins the threads. Idempotent.
  void stop();
  std::size_t queued() const;

 private:
  void loop();
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job> queue_;
  std::size_t limit_;
  std::size_t busy_ = 0;  // threads running a job
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

/// Runs fn(0) .. fn(parts - 1): part 0 on the caller's thread, the others on
/// `pool` (each on the caller's thread instead when the pool is full or
/// null), and returns once all are done. The first exception any part
/// threw is rethrown then. Parts must not wait for other pool jobs.
void run_parts(WorkerPool* pool, std::size_t parts, const std::function<void(std::size_t)>& fn);

/// Runs `fn` on `pool`, or at once on the caller's thread when the pool is
/// full or null; the future has its result (or exception).
template <class F>
auto submit_or_run(WorkerPool* pool, F fn) -> std::future<decltype(fn())> {
  using R = decltype(fn());
  auto task = std::make_shared<std::packaged_task<R()>>(std::move(fn));
  std::future<R> result = task->get_future();
  WorkerPool::Job job = [task] { (*task)(); };
  if (!pool || !pool->try_submit(job)) (*task)();
  return result;
}

}  // namespace vault
