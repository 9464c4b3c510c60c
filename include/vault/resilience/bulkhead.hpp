#pragma once
/// A bulkhead (spec 3.3): at most `max_concurrent` calls run at once; up to
/// `queue_size` more wait, each at most `timeout` (and never past the
/// caller's deadline); anyone else is refused at once with Overloaded (503,
/// Retry-After). Thread-safe. Waiting is real time (a waiter is woken by a
/// release, not by a clock).
#include "vault/core/error.hpp"
#include "vault/core/resilience_settings.hpp"

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>

namespace vault::resilience {

Status validate(const BulkheadConfig& c);

class Bulkhead {
 public:
  class Permit {
   public:
    Permit(Permit&& o) noexcept : b_(o.b_) { o.b_ = nullptr; }
    Permit& operator=(Permit&&) = delete;
    Permit(const Permit&) = delete;
    ~Permit() {
      if (b_) b_->release();
    }

   private:
    friend class Bulkhead;
    explicit Permit(Bulkhead* b) : b_(b) {}
    Bulkhead* b_;
  };

  /// `name` ("storage_operations", …) appears in errors and metrics.
  Bulkhead(std::string name, BulkheadConfig config);

  /// A slot, after waiting in the queue if needed; Overloaded when the
  /// queue is full or the wait ended (timeout or `deadline`).
  Result<Permit> enter(std::optional<std::chrono::steady_clock::time_point> deadline = std::nullopt);

  int in_use();
  int queued();
  /// in_use / max_concurrent (readiness turns degraded above 0.9).
  double utilization();
  const std::string& name() const { return name_; }

 private:
  void release();
  Error overloaded(const char* why) const;

  const std::string name_;
  const BulkheadConfig config_;
  std::mutex mu_;
  std::condition_variable cv_;
  int in_use_ = 0;
  int queued_ = 0;
};

}  // namespace vault::resilience
