#pragma once
/// The stages of the request pipeline (pipeline.hpp), each with its
/// contract. Their order is build_pipeline()'s (server_pipeline.cpp). Each
/// takes what it needs in its constructor, so tests build them alone.
#include "http/body_budget.hpp"
#include "http/dispatch.hpp"
#include "http/pipeline.hpp"
#include "vault/core/worker_pool.hpp"
#include "vault/core/clock.hpp"
#include "vault/domain/operating_mode.hpp"
#include "vault/resilience/bulkhead.hpp"
#include "vault/resilience/rate_limiter.hpp"
#include "vault/observability/metrics.hpp"

#include <atomic>
#include <chrono>
#include <functional>

namespace vault::http {

/// Wraps the rest of the chain after routing: the gauge `gauge_of(call)`
/// gives (vault_active_requests{method, endpoint}) counts the request while
/// it is being served.
class CountActive final : public Stage {
 public:
  using GaugeOf = std::function<metrics::Gauge&(const Call&)>;
  explicit CountActive(GaugeOf gauge_of) : gauge_of_(std::move(gauge_of)) {}
  std::string_view name() const override { return "count_active"; }
  boost::asio::awaitable<bool> serve(Call& call, Next next) const override;

 private:
  GaugeOf gauge_of_;
};

/// Builds call.req from the head: request id (X-Request-ID when acceptable,
/// else new), trace context (traceparent continued with a new span id),
/// lower-cased headers, Expect: 100-continue, decoded path and query; copies
/// the ids into the record. Answers 400 MalformedRequest for a target that
/// is not an absolute path or has a bad escape (KeepIfNoBody).
class ReadHead final : public CheckStage {
 public:
  std::string_view name() const override { return "read_head"; }
  std::optional<Answer> check(Call& call) const override;
};

/// Sets the handler's deadline: req.ctx.deadline = clock now + `timeout`.
/// Never answers.
class SetDeadline final : public CheckStage {
 public:
  SetDeadline(std::chrono::milliseconds timeout, const Clock& clock) : timeout_(timeout), clock_(clock) {}
  std::string_view name() const override { return "set_deadline"; }
  std::optional<Answer> check(Call& call) const override;

 private:
  std::chrono::milliseconds timeout_;
  const Clock& clock_;
};

/// Matches the route (built-ins first, then `api` unless null): sets
/// record.route and endpoint and req.path_params. Answers 404
/// RouteNotFound, or 405 MethodNotAllowed with Allow (KeepIfNoBody).
class RouteRequest final : public CheckStage {
 public:
  RouteRequest(const Router& builtin, const Router* api) : builtin_(builtin), api_(api) {}
  std::string_view name() const override { return "route"; }
  std::optional<Answer> check(Call& call) const override;

 private:
  const Router& builtin_;
  const Router* api_;
};

/// Authentication and authorization from the headers, before any body byte
/// is read or 100 Continue sent: `authenticate` fills req.ctx with the
/// principal; the record learns the tenant. Answers its 401 / 403 (or the
/// error an exception maps to) with DrainIfBody.
class Authorize final : public CheckStage {
 public:
  using Authenticate = std::function<Status(Request&, const Route&)>;
  Authorize(Authenticate authenticate, const DispatchDeps& deps)
      : authenticate_(std::move(authenticate)), deps_(deps) {}
  std::string_view name() const override { return "authorize"; }
  std::optional<Answer> check(Call& call) const override;

 private:
  Authenticate authenticate_;
  const DispatchDeps& deps_;
};

/// Token buckets per tenant and for the whole server (spec 3: rate limits),
/// for authenticated routes once the principal is known (probes and
/// /metrics are never limited). Admitted: X-RateLimit-Limit / -Remaining /
/// -Reset on the answer. Refused: 429 TenantRateLimitError or
/// GlobalRateLimitError with retry_after and Retry-After (DrainIfBody).
/// The platform admin is limited as the system tenant it belongs to.
class RateLimit final : public CheckStage {
 public:
  explicit RateLimit(resilience::Admission& limiter) : limiter_(limiter) {}
  std::string_view name() const override { return "rate_limit"; }
  std::optional<Answer> check(Call& call) const override;

 private:
  resilience::Admission& limiter_;
};

/// Read-only and degraded mode: a request that may change state (not GET,
/// HEAD or a route marked read_only_safe; the admin API of faults and modes
/// always passes) answers 503 MaintenanceModeError with Retry-After
/// (DrainIfBody) while `mode` refuses writes.
class WriteGate final : public CheckStage {
 public:
  explicit WriteGate(const domain::OperatingMode& mode) : mode_(mode) {}
  std::string_view name() const override { return "write_gate"; }
  std::optional<Answer> check(Call& call) const override;

 private:
  const domain::OperatingMode& mode_;
};

/// Sets call.body_limit: `max_body_bytes`, or at most kOpenRouteBodyBytes
/// for routes without authentication (anonymous clients must not make the
/// server buffer). For buffered routes answers 413 PayloadTooLarge when the
/// announced Content-Length exceeds it (CloseAndDrain).
class BodyLimit final : public CheckStage {
 public:
  static constexpr std::int64_t kOpenRouteBodyBytes = 64 << 10;
  explicit BodyLimit(std::int64_t max_body_bytes) : max_(max_body_bytes) {}
  std::string_view name() const override { return "body_limit"; }
  std::optional<Answer> check(Call& call) const override;

 private:
  std::int64_t max_;
};

/// One request's share of the global buffered-body budget, with the
/// vault_buffered_body_bytes gauge kept in step; given back on destruction.
class BodyShare {
 public:
  BodyShare(BodyBudget& budget, metrics::Gauge& gauge) : budget_(budget), gauge_(gauge), reserved_(budget) {}
  ~BodyShare() { release(); }
  BodyShare(const BodyShare&) = delete;
  BodyShare& operator=(const BodyShare&) = delete;
  /// BodyReservation::grow_to; the gauge is not touched (see sync_gauge).
  bool grow_to(std::int64_t total) noexcept { return reserved_.grow_to(total); }
  std::int64_t bytes() const noexcept { return reserved_.bytes(); }
  /// Gives the share back and updates the gauge.
  void release() noexcept;
  void sync_gauge() noexcept { gauge_.set(static_cast<double>(budget_.used())); }

 private:
  BodyBudget& budget_;
  metrics::Gauge& gauge_;
  BodyReservation reserved_;
};

/// Wraps the rest of the chain with the request's BodyShare (call.body_share),
/// given back when the request is done. For buffered routes it reserves
/// the announced Content-Length up front and answers 503 Overloaded
/// (Retry-After: 1, CloseAndDrain) when the budget cannot give it.
class ReserveBody final : public Stage {
 public:
  ReserveBody(BodyBudget& budget, metrics::Gauge& gauge) : budget_(budget), gauge_(gauge) {}
  std::string_view name() const override { return "reserve_body"; }
  boost::asio::awaitable<bool> serve(Call& call, Next next) const override;

 private:
  BodyBudget& budget_;
  metrics::Gauge& gauge_;
};

/// Buffered routes: reads the body (after 100 Continue if asked) into
/// req.body, within call.body_limit, charging a chunked body's growth to
/// call.body_share in kBudgetStep steps. Answers (CloseAndDrain, after the
/// buffer and the share are given back) 413 past the limit, 400 on bad
/// framing, 503 when the budget is spent; a client that leaves ends the
/// connection without an answer. Streamed routes pass untouched.
class ReadBody final : public Stage {
 public:
  static constexpr std::int64_t kBudgetStep = 256 << 10;
  std::string_view name() const override { return "read_body"; }
  boost::asio::awaitable<bool> serve(Call& call, Next next) const override;
};

/// The end of the chain: runs the handler. Inline (on the I/O thread) when
/// `run_inline(route)` says so or the route asks for it (RouteOptions::
/// run_inline, not streamed); else on the worker pool through an Exchange
/// (`submit` false = pool full → 503 Overloaded, Retry-After: 1,
/// DrainIfClosing). A pool-run handler first takes a place in the `api`
/// bulkhead (if any: full → the same 503 at once) and on its worker waits
/// for a running slot (longer than the bulkhead's timeout → 503, the
/// handler is not run). A route's own run_inline is honoured only while
/// `fast()` (if given) holds; routes `outside_api` names (readiness: an
/// overload must show as `degraded`, not as a refused probe) skip the
/// bulkhead and no such inline run took longer than
/// kSlowInline in the last kInlinePause. Never calls `next`.
class Dispatch final : public Stage {
 public:
  using Submit = std::function<bool(WorkerPool::Job&)>;
  using RunInline = std::function<bool(const Route*)>;
  static constexpr std::chrono::milliseconds kSlowInline{5};
  static constexpr std::chrono::milliseconds kInlinePause{5000};
  Dispatch(RunInline run_inline, Submit submit, const DispatchDeps& deps, const Clock& clock,
           resilience::Bulkhead* api = nullptr, std::function<bool()> fast = {},
           std::function<bool(const Route*)> outside_api = {})
      : run_inline_(std::move(run_inline)),
        submit_(std::move(submit)),
        deps_(deps),
        clock_(clock),
        api_(api),
        fast_(std::move(fast)),
        outside_api_(std::move(outside_api)) {}
  std::string_view name() const override { return "dispatch"; }
  boost::asio::awaitable<bool> serve(Call& call, Next next) const override;

 private:
  RunInline run_inline_;
  Submit submit_;
  const DispatchDeps& deps_;
  const Clock& clock_;
  resilience::Bulkhead* api_;
  std::function<bool()> fast_;
  std::function<bool(const Route*)> outside_api_;  ///< routes that never wait for the api bulkhead
  /// Route-chosen inline runs wait until then (steady ticks) after a slow one.
  mutable std::atomic<Clock::steady_time::rep> inline_paused_until_{0};
};

/// Per-piece buffer of a streamed request body (one piece in flight).
inline constexpr std::size_t kPieceBytes = 256 * 1024;

}  // namespace vault::http
