#include "vault/resilience/bulkhead.hpp"

#include <algorithm>

namespace vault::resilience {

Status validate(const BulkheadConfig& c) {
  if (c.max_concurrent < 1) return fail(ErrorKind::Configuration, "bulkheads: max_concurrent must be >= 1");
  if (c.queue_size < 0) return fail(ErrorKind::Configuration, "bulkheads: queue_size must be >= 0");
  if (c.timeout.count() < 0) return fail(ErrorKind::Configuration, "bulkheads: timeout must be >= 0");
  return {};
}

Bulkhead::Bulkhead(std::string name, BulkheadConfig config) : name_(std::move(name)), config_(config) {}

Error Bulkhead::overloaded(const char* why) {
  rejected_.fetch_add(1, std::memory_order_relaxed);
  return Error(ErrorKind::Overloaded, std::string("the server is at capacity (") + name_ + ": " + why + ")",
               {{"bulkhead", name_}})
      .with_retry_after(1);
}

Result<Bulkhead::Permit> Bulkhead::enter(std::optional<std::chrono::steady_clock::time_point> deadline) {
  std::unique_lock lock(mu_);
  if (in_use_ < config_.max_concurrent && queued_ == 0) {
    ++in_use_;
    return Permit(this);
  }
  if (queued_ >= config_.queue_size) return std::unexpected(overloaded("queue full"));
  auto until = std::chrono::steady_clock::now() + config_.timeout;
  if (deadline) until = std::min(until, *deadline);
  ++queued_;
  const bool got = cv_.wait_until(lock, until, [&] { return in_use_ < config_.max_concurrent; });
  --queued_;
  if (!got) return std::unexpected(overloaded("waited too long"));
  ++in_use_;
  return Permit(this);
}

Result<Bulkhead::Ticket> Bulkhead::admit() {
  std::lock_guard lock(mu_);
  if (in_use_ + queued_ >= config_.max_concurrent + config_.queue_size)
    return std::unexpected(overloaded("queue full"));
  ++queued_;
  return Ticket(this, std::chrono::steady_clock::now());
}

Status Bulkhead::Ticket::start(std::optional<std::chrono::steady_clock::time_point> deadline) {
  if (!b_ || running_) return {};
  Bulkhead& b = *b_;
  auto until = admitted_ + b.config_.timeout;
  if (deadline) until = std::min(until, *deadline);
  std::unique_lock lock(b.mu_);
  if (!b.cv_.wait_until(lock, until, [&] { return b.in_use_ < b.config_.max_concurrent; })) {
    --b.queued_;
    b_ = nullptr;
    return std::unexpected(b.overloaded("waited too long"));
  }
  --b.queued_;
  ++b.in_use_;
  running_ = true;
  return {};
}

void Bulkhead::leave(bool running) {
  if (running) return release();
  std::lock_guard lock(mu_);
  --queued_;
}

void Bulkhead::release() {
  {
    std::lock_guard lock(mu_);
    --in_use_;
  }
  cv_.notify_one();
}

int Bulkhead::in_use() {
  std::lock_guard lock(mu_);
  return in_use_;
}

int Bulkhead::queued() {
  std::lock_guard lock(mu_);
  return queued_;
}

double Bulkhead::utilization() {
  std::lock_guard lock(mu_);
  return static_cast<double>(in_use_) / config_.max_concurrent;
}

}  // namespace vault::resilience
