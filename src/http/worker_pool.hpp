#pragma once
/// A fixed set of threads draining a bounded FIFO queue: the bulkhead the
/// HTTP handlers run in. A full queue rejects at once (no waiting).
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace vault::http {

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

}  // namespace vault::http
