#include "storage/pg_pool.hpp"

namespace vault::storage::pg {

Pool::Lease::~Lease() {
  if (pool_ && c_) pool_->release(std::move(c_));
}

Result<Pool::Lease> Pool::acquire() {
  std::unique_lock lk(mu_);
  const auto deadline = std::chrono::steady_clock::now() + o_.acquire_timeout;
  for (;;) {
    if (closed_) return fail(ErrorKind::Database, "the store is closed");
    if (!idle_.empty()) {
      auto c = std::move(idle_.back());
      idle_.pop_back();
      return Lease(this, std::move(c));
    }
    if (open_ < o_.size) break;
    if (cv_.wait_until(lk, deadline) == std::cv_status::timeout && idle_.empty() && open_ >= o_.size)
      return fail(ErrorKind::Database, "postgresql: connection pool exhausted (" + std::to_string(o_.size) +
                                           " connections busy)");
  }
  ++open_;
  lk.unlock();
  auto c = Connection::open(url_, o_.connect);
  if (!c) {
    lk.lock();
    --open_;
    cv_.notify_one();
    return std::unexpected(c.error());
  }
  return Lease(this, std::move(*c));
}

void Pool::release(std::unique_ptr<Connection> c) {
  if (!c->reusable()) c.reset();  // closed outside the lock
  std::unique_lock lk(mu_);
  if (c && !closed_) {
    idle_.push_back(std::move(c));
  } else {
    --open_;
  }
  lk.unlock();
  cv_.notify_one();
  // c (a connection returned after close()) is closed here, outside the lock.
}

void Pool::drop_idle() {
  std::vector<std::unique_ptr<Connection>> gone;
  {
    std::lock_guard lk(mu_);
    gone.swap(idle_);
    open_ -= gone.size();
  }
  cv_.notify_all();
}

void Pool::close() {
  {
    std::lock_guard lk(mu_);
    closed_ = true;
  }
  drop_idle();
}

Pool::Usage Pool::usage() const {
  std::lock_guard lk(mu_);
  return Usage{open_, open_ - idle_.size(), o_.size};
}

}  // namespace vault::storage::pg
