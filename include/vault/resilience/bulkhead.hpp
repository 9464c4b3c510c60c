#pragma once
/// A bulkhead (spec 3.3): at most `max_concurrent` calls run at once; up to
/// `queue_size` more wait, each at most `timeout` (and never past the
/// caller's deadline); anyone else is refused at once with Overloaded (503,
/// Retry-After). Thread-safe. Waiting is real time (a waiter is woken by a
/// release, not by a clock).
///
/// Two ways in; use one per bulkhead:
///  - enter(): take a slot now or wait in the queue for one (blocking);
///  - admit() then Ticket::start(): for callers that must not block where
///    they decide (the HTTP edge on its I/O thread). admit() takes a place
///    at once — running or queued, at most max_concurrent + queue_size
///    places — or refuses; start(), later on a worker thread, waits for a
///    running slot until `timeout` after the admission (and the deadline).
#include "vault/core/error.hpp"
#include "vault/core/resilience_settings.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
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

  /// A place admitted by admit(): queued until start() makes it running;
  /// the place is given back when the ticket goes.
  class Ticket {
   public:
    Ticket(Ticket&& o) noexcept : b_(o.b_), admitted_(o.admitted_), running_(o.running_) { o.b_ = nullptr; }
    Ticket& operator=(Ticket&&) = delete;
    Ticket(const Ticket&) = delete;
    ~Ticket() {
      if (b_) b_->leave(running_);
    }
    /// Waits for a running slot; Overloaded when `timeout` since admit()
    /// (or `deadline`) passes first — the place is given back then.
    Status start(std::optional<std::chrono::steady_clock::time_point> deadline = std::nullopt);
    bool running() const { return running_; }

   private:
    friend class Bulkhead;
    Ticket(Bulkhead* b, std::chrono::steady_clock::time_point admitted) : b_(b), admitted_(admitted) {}
    Bulkhead* b_;
    std::chrono::steady_clock::time_point admitted_;
    bool running_ = false;
  };

  /// `name` ("storage_operations", …) appears in errors and metrics.
  Bulkhead(std::string name, BulkheadConfig config);

  /// A slot, after waiting in the queue if needed; Overloaded when the
  /// queue is full or the wait ended (timeout or `deadline`).
  Result<Permit> enter(std::optional<std::chrono::steady_clock::time_point> deadline = std::nullopt);

  /// A queued place at once, or Overloaded when all places are taken. Never blocks.
  Result<Ticket> admit();

  int in_use();
  int queued();
  /// Callers refused so far (full, or waited too long).
  std::uint64_t rejected() const { return rejected_.load(std::memory_order_relaxed); }
  const BulkheadConfig& config() const { return config_; }
  /// in_use / max_concurrent (readiness turns degraded above 0.9).
  double utilization();
  const std::string& name() const { return name_; }

 private:
  void release();
  /// A ticket's place goes: a running slot or a queued place.
  void leave(bool running);
  Error overloaded(const char* why);

  const std::string name_;
  const BulkheadConfig config_;
  std::mutex mu_;
  std::condition_variable cv_;
  int in_use_ = 0;
  int queued_ = 0;
  std::atomic<std::uint64_t> rejected_{0};
};

}  // namespace vault::resilience
