#include "vault/resilience/circuit_breaker.hpp"

#include "vault/core/cancellation.hpp"

#include <cmath>

namespace vault::resilience {

Status validate(const CircuitBreakerConfig& c) {
  if (c.failure_threshold < 1) return fail(ErrorKind::Configuration, "circuit_breaker.failure_threshold must be >= 1");
  if (c.failure_window.count() <= 0) return fail(ErrorKind::Configuration, "circuit_breaker.failure_window must be > 0");
  if (c.open_duration.count() <= 0) return fail(ErrorKind::Configuration, "circuit_breaker.open_duration must be > 0");
  if (c.half_open_requests < 1)
    return fail(ErrorKind::Configuration, "circuit_breaker.half_open_requests must be >= 1");
  if (c.half_open_success_threshold < 1 || c.half_open_success_threshold > c.half_open_requests)
    return fail(ErrorKind::Configuration,
                "circuit_breaker.half_open_success_threshold must be between 1 and half_open_requests");
  return {};
}

std::string_view circuit_state_name(CircuitState s) {
  switch (s) {
    case CircuitState::Closed: return "closed";
    case CircuitState::Open: return "open";
    case CircuitState::HalfOpen: return "half_open";
  }
  return "closed";
}

int circuit_state_value(CircuitState s) {
  switch (s) {
    case CircuitState::Closed: return 0;
    case CircuitState::Open: return 1;
    case CircuitState::HalfOpen: return 2;
  }
  return 0;
}

bool counts_as_failure(const Error& e, const CircuitBreakerConfig& config) {
  // Our own refusals (an open breaker, a full bulkhead) and a client that
  // left say nothing about the dependency.
  if (e.kind() == ErrorKind::CircuitOpen || e.kind() == ErrorKind::Overloaded || is_cancellation(e)) return false;
  for (const auto& cls : config.ignore_errors)
    if (error_is_a(e.kind(), cls)) return false;
  for (const auto& cls : config.count_as_failure)
    if (error_is_a(e.kind(), cls)) return true;
  return false;
}

CircuitBreaker::CircuitBreaker(std::string dependency, CircuitBreakerConfig config, const Clock& clock)
    : dependency_(std::move(dependency)), config_(config), clock_(clock) {}

void CircuitBreaker::on_state_change(std::function<void(CircuitState)> fn) {
  std::lock_guard lock(mu_);
  on_change_ = std::move(fn);
}

CircuitState CircuitBreaker::state() {
  std::lock_guard lock(mu_);
  refresh(clock_.steady_now());
  return state_;
}

void CircuitBreaker::transition(CircuitState to, Clock::steady_time now) {
  state_ = to;
  closed_.store(to == CircuitState::Closed, std::memory_order_relaxed);
  ++epoch_;
  failures_.clear();
  probes_admitted_ = 0;
  probe_successes_ = 0;
  if (to == CircuitState::Open) opened_at_ = now;
  if (on_change_) on_change_(to);
}

void CircuitBreaker::refresh(Clock::steady_time now) {
  if (state_ == CircuitState::Open && now - opened_at_ >= config_.open_duration)
    transition(CircuitState::HalfOpen, now);
}

Result<CircuitBreaker::Permit> CircuitBreaker::acquire() {
  std::lock_guard lock(mu_);
  const auto now = clock_.steady_now();
  refresh(now);
  switch (state_) {
    case CircuitState::Closed:
      return Permit(this, epoch_);
    case CircuitState::HalfOpen:
      if (probes_admitted_ < config_.half_open_requests) {
        ++probes_admitted_;
        return Permit(this, epoch_);
      }
      return std::unexpected(Error(ErrorKind::CircuitOpen, "the " + dependency_ + " is recovering; try again shortly",
                                   {{"dependency", dependency_}, {"state", "half_open"}})
                                 .with_retry_after(1));
    case CircuitState::Open: {
      const auto left = config_.open_duration - (now - opened_at_);
      const auto secs = std::max<std::int64_t>(
          1, static_cast<std::int64_t>(std::ceil(std::chrono::duration<double>(left).count())));
      return std::unexpected(Error(ErrorKind::CircuitOpen, "the " + dependency_ + " is unavailable; failing fast",
                                   {{"dependency", dependency_}, {"state", "open"}})
                                 .with_retry_after(static_cast<int>(secs)));
    }
  }
  return Permit(this, epoch_);
}

void CircuitBreaker::report(std::uint64_t epoch, Outcome o) {
  std::lock_guard lock(mu_);
  if (epoch != epoch_) return;  // admitted before the last transition
  const auto now = clock_.steady_now();
  switch (state_) {
    case CircuitState::Closed:
      if (o != Outcome::Failure) return;
      failures_.push_back(now);
      while (!failures_.empty() && now - failures_.front() >= config_.failure_window) failures_.pop_front();
      if (static_cast<int>(failures_.size()) >= config_.failure_threshold) transition(CircuitState::Open, now);
      return;
    case CircuitState::HalfOpen:
      if (o == Outcome::Failure) {
        transition(CircuitState::Open, now);
      } else if (o != Outcome::Abandoned) {  // an answer, even a client error, is a sign of health
        if (++probe_successes_ >= config_.half_open_success_threshold) transition(CircuitState::Closed, now);
      } else {
        --probes_admitted_;  // no verdict: the slot goes to another probe
      }
      return;
    case CircuitState::Open:
      return;
  }
}

CircuitBreaker::Permit::~Permit() {
  if (breaker_) breaker_->report(epoch_, Outcome::Abandoned);
}

void CircuitBreaker::Permit::success() {
  if (!breaker_) return;
  breaker_->report(epoch_, Outcome::Success);
  breaker_ = nullptr;
}

void CircuitBreaker::Permit::failure(const Error& e) {
  if (!breaker_) return;
  breaker_->report(epoch_, counts_as_failure(e, breaker_->config_) ? Outcome::Failure : Outcome::Neutral);
  breaker_ = nullptr;
}

}  // namespace vault::resilience
