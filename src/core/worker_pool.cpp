#include "vault/core/worker_pool.hpp"

#include <condition_variable>
#include <mutex>

namespace vault {

WorkerPool::WorkerPool(int threads, std::size_t queue_limit) : limit_(queue_limit) {
  if (threads < 1) threads = 1;
  std::lock_guard lock(mu_);  // threads_ is complete before any thread reads its size
  threads_.reserve(static_cast<std::size_t>(threads));
  for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { loop(); });
}

WorkerPool::~WorkerPool() { stop(); }

bool WorkerPool::try_submit(Job& job) {
  {
    std::lock_guard lock(mu_);
    // Jobs that free threads will take at once do not count against the limit.
    const std::size_t free_threads = threads_.size() - busy_;
    if (stopping_ || queue_.size() >= limit_ + free_threads) return false;
    queue_.push_back(std::move(job));
  }
  cv_.notify_one();
  return true;
}

void WorkerPool::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_) {
    if (t.joinable() && t.get_id() != std::this_thread::get_id()) t.join();
  }
}

std::size_t WorkerPool::queued() const {
  std::lock_guard lock(mu_);
  return queue_.size();
}

void WorkerPool::loop() {
  bool finished_one = false;
  for (;;) {
    Job job;
    {
      std::unique_lock lock(mu_);
      if (finished_one) --busy_;
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping and drained
      job = std::move(queue_.front());
      queue_.pop_front();
      ++busy_;
    }
    finished_one = true;
    try {
      job();
    } catch (...) {
    }
    job = nullptr;  // release what the job holds before counting it done
  }
}

void run_parts(WorkerPool* pool, std::size_t parts, const std::function<void(std::size_t)>& fn) {
  std::mutex mu;
  std::condition_variable done_cv;
  std::size_t pending = 0;
  std::exception_ptr first_error;
  auto run = [&](std::size_t part) {
    try {
      fn(part);
    } catch (...) {
      std::lock_guard lock(mu);
      if (!first_error) first_error = std::current_exception();
    }
  };
  for (std::size_t part = 1; part < parts; ++part) {
    {
      std::lock_guard lock(mu);
      ++pending;
    }
    WorkerPool::Job job = [&, part] {
      run(part);
      std::lock_guard lock(mu);  // notify under the lock: the waiter owns cv and mu
      if (--pending == 0) done_cv.notify_all();
    };
    if (!pool || !pool->try_submit(job)) {
      run(part);
      std::lock_guard lock(mu);
      --pending;
    }
  }
  if (parts > 0) run(0);
  std::unique_lock lock(mu);
  done_cv.wait(lock, [&] { return pending == 0; });
  if (first_error) std::rethrow_exception(first_error);
}

}  // namespace vault
