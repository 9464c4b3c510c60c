#include "http/body_budget.hpp"

#include <utility>

namespace vault::http {

bool BodyBudget::try_take(std::int64_t n) noexcept {
  if (n <= 0) return true;
  std::int64_t cur = used_.load(std::memory_order_acquire);
  do {
    if (n > limit_ - cur) return false;
  } while (!used_.compare_exchange_weak(cur, cur + n, std::memory_order_acq_rel, std::memory_order_acquire));
  return true;
}

BodyReservation& BodyReservation::operator=(BodyReservation&& o) noexcept {
  if (this != &o) {
    release();
    budget_ = o.budget_;
    bytes_ = std::exchange(o.bytes_, 0);
  }
  return *this;
}

bool BodyReservation::grow_to(std::int64_t total) noexcept {
  if (total <= bytes_) return true;
  if (!budget_ || !budget_->try_take(total - bytes_)) return false;
  bytes_ = total;
  return true;
}

void BodyReservation::release() noexcept {
  if (budget_ && bytes_ > 0) budget_->give_back(bytes_);
  bytes_ = 0;
}

}  // namespace vault::http
