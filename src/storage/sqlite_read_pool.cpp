#include "storage/sqlite_read_pool.hpp"

namespace vault::storage::sqlite {

ReadPool::ReadPool(std::string path, std::size_t max_idle) : path_(std::move(path)), max_idle_(max_idle) {}

ReadPool::Lease::~Lease() {
  if (c_) pool_->release(std::move(c_));
}

Result<ReadPool::Lease> ReadPool::acquire() {
  {
    std::lock_guard lk(mu_);
    if (closed_) return fail(ErrorKind::Database, "the store is closed");
    if (!idle_.empty()) {
      auto c = std::move(idle_.back());
      idle_.pop_back();
      return Lease(this, std::move(c));
    }
  }
  auto c = Connection::open(path_, /*read_only=*/true);
  if (!c) return std::unexpected(c.error());
  return Lease(this, std::move(*c));
}

void ReadPool::release(std::unique_ptr<Connection> c) {
  if (c->in_transaction()) (void)c->exec("ROLLBACK");
  std::lock_guard lk(mu_);
  if (!closed_ && idle_.size() < max_idle_) idle_.push_back(std::move(c));
  // else: c is closed when the parameter is destroyed, after the lock is released
}

void ReadPool::close() {
  std::vector<std::unique_ptr<Connection>> idle;
  {
    std::lock_guard lk(mu_);
    closed_ = true;
    idle.swap(idle_);
  }
}

}  // namespace vault::storage::sqlite
