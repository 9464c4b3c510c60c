#pragma once
/// The global budget of request-body bytes buffered in memory at once
/// (server.max_buffered_body_bytes). A non-streamed request reserves its
/// Content-Length — or, chunked, its buffer as it grows — before the bytes
/// are read; when the budget is spent the request gets 503 OverloadedError
/// instead of memory. Thread-safe; Asio-free.
#include <atomic>
#include <cstdint>

namespace vault::http {

class BodyBudget {
 public:
  explicit BodyBudget(std::int64_t limit) : limit_(limit) {}
  BodyBudget(const BodyBudget&) = delete;
  BodyBudget& operator=(const BodyBudget&) = delete;

  /// Takes `n` bytes if they fit under the limit; false (nothing taken) otherwise.
  bool try_take(std::int64_t n) noexcept;
  void give_back(std::int64_t n) noexcept { used_.fetch_sub(n, std::memory_order_acq_rel); }
  std::int64_t used() const noexcept { return used_.load(std::memory_order_acquire); }
  std::int64_t limit() const noexcept { return limit_; }

 private:
  const std::int64_t limit_;
  std::atomic<std::int64_t> used_{0};
};

/// RAII share of a BodyBudget: released on destruction (request done).
class BodyReservation {
 public:
  BodyReservation() = default;
  explicit BodyReservation(BodyBudget& budget) : budget_(&budget) {}
  ~BodyReservation() { release(); }
  BodyReservation(BodyReservation&& o) noexcept : budget_(o.budget_), bytes_(o.bytes_) { o.bytes_ = 0; }
  BodyReservation& operator=(BodyReservation&& o) noexcept;
  BodyReservation(const BodyReservation&) = delete;
  BodyReservation& operator=(const BodyReservation&) = delete;

  /// Grows the share to at least `total` bytes; false (share unchanged)
  /// when the budget cannot give the difference.
  bool grow_to(std::int64_t total) noexcept;
  std::int64_t bytes() const noexcept { return bytes_; }
  void release() noexcept;

 private:
  BodyBudget* budget_ = nullptr;
  std::int64_t bytes_ = 0;
};

}  // namespace vault::http
