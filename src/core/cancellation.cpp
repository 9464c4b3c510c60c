#include "vault/core/cancellation.hpp"

namespace vault {
namespace {

thread_local const Cancellation* tls_current = nullptr;

}  // namespace

Cancellation::Cancellation(Clock::time_point deadline, const vault::Clock& clock) noexcept
    : clock_(clock), deadline_(deadline.time_since_epoch().count()) {}

void Cancellation::cancel() noexcept { cancelled_.store(true, std::memory_order_release); }

bool Cancellation::cancelled() const noexcept { return cancelled_.load(std::memory_order_acquire); }

void Cancellation::set_deadline(Clock::time_point deadline) noexcept {
  deadline_.store(deadline.time_since_epoch().count(), std::memory_order_release);
}

Cancellation::Clock::time_point Cancellation::deadline() const noexcept {
  return Clock::time_point(Clock::duration(deadline_.load(std::memory_order_acquire)));
}

Status Cancellation::check() const {
  if (cancelled())
    return fail(ErrorKind::Transient, "the request was cancelled (the client closed the connection or the server is stopping)",
                {{"cancelled", true}});
  const auto d = deadline();
  if (d != Clock::time_point::max() && clock_.steady_now() >= d)
    return fail(ErrorKind::DeadlineExceeded, "the request deadline passed before the work could finish");
  return {};
}

const Cancellation* Cancellation::current() noexcept { return tls_current; }

std::optional<Cancellation::Clock::time_point> Cancellation::current_deadline() noexcept {
  if (!tls_current || tls_current->deadline() == Clock::time_point::max()) return std::nullopt;
  return tls_current->deadline();
}

CancellationScope::CancellationScope(const Cancellation* token) noexcept : previous_(tls_current) {
  tls_current = token;
}

CancellationScope::~CancellationScope() { tls_current = previous_; }

Status check_cancelled() {
  const Cancellation* t = tls_current;
  return t ? t->check() : Status{};
}

bool is_cancellation(const Error& e) {
  if (e.kind() == ErrorKind::DeadlineExceeded) return true;
  if (e.kind() != ErrorKind::Transient) return false;
  const auto* c = e.details().if_contains("cancelled");
  return c && c->is_bool() && c->get_bool();
}

}  // namespace vault
