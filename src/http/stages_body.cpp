// The stages about a buffered request body: its limit, its share of the
// global budget, and reading it.
#include "http/stages.hpp"

namespace vault::http {
namespace {

// Errors are built outside the coroutines: g++ 12 miscompiles braced
// initializer lists inside coroutine bodies ("array used as initializer").
Response body_too_large(std::int64_t limit, const RequestContext& ctx) {
  return error_response(Error(ErrorKind::PayloadTooLarge, "request body exceeds " + std::to_string(limit) + " bytes",
                              boost::json::object{{"limit_bytes", limit}}),
                        ctx);
}

Response budget_spent(const RequestContext& ctx) {
  Error e(ErrorKind::Overloaded, "the server is overloaded (request bodies being buffered); retry later");
  e.with_retry_after(1);
  return error_response(e, ctx);
}

Response refusal(const BodyRead& read, std::int64_t limit, const RequestContext& ctx) {
  switch (read.end) {
    case BodyEnd::TooLarge:
      return body_too_large(limit, ctx);
    case BodyEnd::OverBudget:
      return budget_spent(ctx);
    default:
      return error_response(Error(ErrorKind::MalformedRequest, "malformed request body: " + read.message), ctx);
  }
}

bool streamed(const Call& call) { return call.record.route->options.stream_request; }

/// call.body_share is valid only inside ReserveBody.
struct ShareScope {
  Call& call;
  explicit ShareScope(Call& c) : call(c) {}
  ~ShareScope() { call.body_share = nullptr; }
  ShareScope(const ShareScope&) = delete;
  ShareScope& operator=(const ShareScope&) = delete;
};

}  // namespace

std::optional<Answer> BodyLimit::check(Call& call) const {
  call.body_limit = call.record.route->options.authenticated ? max_ : std::min(max_, kOpenRouteBodyBytes);
  if (streamed(call)) return std::nullopt;
  if (call.content_length && *call.content_length > static_cast<std::uint64_t>(call.body_limit)) {
    return Answer{body_too_large(call.body_limit, call.record.ctx), AfterAnswer::CloseAndDrain};
  }
  return std::nullopt;
}

void BodyShare::release() noexcept {
  reserved_.release();
  sync_gauge();
}

boost::asio::awaitable<bool> ReserveBody::serve(Call& call, Next next) const {
  BodyShare share(budget_, gauge_);
  call.body_share = &share;
  ShareScope scope(call);
  if (!streamed(call)) {
    const auto cl = call.content_length;
    if (cl && *cl > 0 && !share.grow_to(static_cast<std::int64_t>(*cl))) {
      co_return co_await call.io.respond(call, budget_spent(call.record.ctx), AfterAnswer::CloseAndDrain);
    }
    share.sync_gauge();
  }
  co_return co_await next();
}

boost::asio::awaitable<bool> ReadBody::serve(Call& call, Next next) const {
  if (streamed(call)) co_return co_await next();
  BodyShare* share = call.body_share;
  const bool chunked = !call.content_length;
  // Chunked: the buffer's growth is charged as it happens.
  auto may_buffer = [share, chunked](std::int64_t have) {
    if (!chunked || have <= share->bytes()) return true;
    const std::int64_t want = (have / kBudgetStep + 1) * kBudgetStep;
    if (!share->grow_to(want)) return false;
    share->sync_gauge();
    return true;
  };
  const BodyRead read = co_await call.io.read_body(call, call.body_limit, may_buffer);
  if (read.end == BodyEnd::Lost) co_return false;  // closed or timed out: nobody to answer
  if (read.end != BodyEnd::Complete) {
    // Answered after the buffer is freed and the budget given back: the
    // linger must not hold them.
    share->release();
    co_return co_await call.io.respond(call, refusal(read, call.body_limit, call.record.ctx),
                                       AfterAnswer::CloseAndDrain);
  }
  call.body_pending = false;
  call.record.request_bytes = call.req.body.size();
  co_return co_await next();
}

}  // namespace vault::http
