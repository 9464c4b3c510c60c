#include "http/worker_pool.hpp"

namespace vault::http {

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

}  // namespace vault::http
