#include "http/connection.hpp"
#include "vault/core/ids.hpp"
#include "vault/observability/slo.hpp"

#include "vault/observability/trace.hpp"

#include <charconv>
#include <cerrno>
#include <sys/socket.h>

namespace vault::http {
namespace {

constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t kLingerBytes = 16 << 20;
constexpr auto kLingerTime = std::chrono::seconds(1);
constexpr auto kFreshGrace = std::chrono::milliseconds(500);  // a fresh connection's first request, once closing

/// Completes (on the caller's executor) once the exchange changed.
template <class Token>
auto async_wait_exchange(Exchange& ex, Token&& token) {
  return asio::async_initiate<Token, void()>(
      [&ex](auto handler) {
        auto work = asio::make_work_guard(asio::get_associated_executor(handler));
        ex.set_waiter([h = std::move(handler), work = std::move(work)]() mutable {
          auto exec = work.get_executor();
          asio::post(exec, std::move(h));
        });
      },
      token);
}

std::string_view method_label(std::string_view m) {
  static constexpr std::string_view kKnown[] = {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"};
  for (auto k : kKnown) {
    if (k == m) return k;
  }
  return "OTHER";
}

bool is_http_error(const beast::error_code& ec) {
  return ec.category() == http::make_error_code(http::error::bad_method).category();
}

Error body_read_error(const beast::error_code& ec) {
  if (ec == beast::error::timeout) return Error(ErrorKind::Timeout, "timed out reading the request body");
  if (is_http_error(ec) && ec != http::error::partial_message) {
    return Error(ErrorKind::MalformedRequest, "malformed request body framing");
  }
  return Error(ErrorKind::MalformedRequest, "connection closed before the request body was complete");
}

Error overloaded(const char* what) {
  Error e(ErrorKind::Overloaded, std::string("the server is overloaded (") + what + "); retry later");
  e.with_retry_after(1);
  return e;
}

}  // namespace

Connection::Connection(Server::Impl& server, tcp::socket socket, Listener listener)
    : srv_(server), listener_(listener), stream_(std::move(socket)) {}

Connection::~Connection() {
  cancel_exchange();
  srv_.remove_connection(this, listener_);
}

asio::awaitable<void> Connection::refuse_overloaded() {
  struct Counted {
    std::atomic<int>& n;
    explicit Counted(std::atomic<int>& c) : n(c) { n.fetch_add(1); }
    ~Counted() { n.fetch_sub(1); }
  } counted(srv_.refusing);
  RequestRecord st;
  st.fresh_ids();
  st.method = "OTHER";
  st.keep_alive = false;
  Error e = overloaded("too many connections");
  co_await send_error(st, e);
  co_await linger_close();
}

void Connection::close_if_idle() {
  if (idle_ && srv_.closing.load() && !served_any_) {
    stream_.expires_after(kFreshGrace);  // see run(): its first request is still served
  } else if (idle_) {
    stream_.close();
  } else {
    reclaim_requested_ = srv_.clock.steady_now();
  }
}

bool Connection::reclaim_due() {
  if (!reclaim_requested_) return false;
  const bool due = srv_.clock.steady_now() - *reclaim_requested_ < std::chrono::seconds(1);
  reclaim_requested_.reset();
  return due;
}

void Connection::force_close() { stream_.close(); }

void Connection::cancel_exchange() {
  std::shared_ptr<Exchange> ex;
  {
    std::lock_guard lock(ex_mu_);
    ex = ex_;
  }
  if (ex) ex->cancel();
}

asio::awaitable<void> Connection::run() {
  for (;;) {
    http::request_parser<http::empty_body> hp;
    hp.header_limit(srv_.opts.max_header_bytes);
    hp.body_limit(boost::none);  // checked per route once the head is known
    idle_ = buf_.size() == 0;
    // Closing: a connection that was answered goes; a fresh one (its client
    // connected just before the listener closed) still gets its first
    // request read and answered, within a short grace.
    const bool closing = srv_.closing.load();
    if (idle_ && ((closing && served_any_) || reclaim_due())) break;
    stream_.expires_after(closing ? std::min(kFreshGrace, srv_.opts.header_timeout)
                          : idle_ ? srv_.opts.idle_timeout
                                  : srv_.opts.header_timeout);
    auto [ec, n] = co_await http::async_read_header(stream_, buf_, hp, nothrow);
    idle_ = false;
    if (ec) {
      bool header_too_large = ec == http::error::header_limit;
      bool malformed = is_http_error(ec) && ec != http::error::end_of_stream && ec != http::error::partial_message;
      if (header_too_large || malformed) {
        RequestRecord st;
        st.fresh_ids();
        st.method = "OTHER";
        Error e = header_too_large
                      ? Error(ErrorKind::PayloadTooLarge,
                              "request headers exceed " + std::to_string(srv_.opts.max_header_bytes) + " bytes")
                      : Error(ErrorKind::MalformedRequest, "malformed HTTP request: " + ec.message());
        co_await send_error(st, e);
        co_await linger_close();
      }
      break;
    }
    bool keep = co_await serve(hp);
    served_any_ = true;
    if (!keep) break;
  }
  stream_.close();
}

asio::awaitable<bool> Connection::serve(http::request_parser<http::empty_body>& hp) {
  const auto cl = hp.content_length();
  Call call(*this, hp.get(), !hp.is_done(), cl ? std::optional<std::uint64_t>(*cl) : std::nullopt);
  call.record.tracing = srv_.opts.tracer != nullptr;
  call.record.version = hp.get().version();
  call.record.keep_alive = hp.get().keep_alive();
  hp_ = &hp;
  struct Forget {
    http::request_parser<http::empty_body>*& p;
    explicit Forget(http::request_parser<http::empty_body>*& ptr) : p(ptr) {}
    ~Forget() { p = nullptr; }
  } forget(hp_);
  co_return co_await srv_.pipeline(listener_).serve(call);
}

asio::awaitable<bool> Connection::respond(Call& call, Response r, AfterAnswer after) {
  RequestRecord& st = call.record;
  const bool unread = call.body_pending;
  bool drain = false;
  switch (after) {
    case AfterAnswer::KeepIfNoBody:
      st.keep_alive = st.keep_alive && !unread;
      break;
    case AfterAnswer::DrainIfBody:
      if (unread) st.keep_alive = false;
      drain = unread;
      break;
    case AfterAnswer::CloseAndDrain:
      st.keep_alive = false;
      drain = true;
      break;
    case AfterAnswer::DrainIfClosing:
      if (unread) st.keep_alive = false;
      break;
  }
  bool ok = co_await send(st, std::move(r));
  if (after == AfterAnswer::DrainIfClosing) drain = !st.keep_alive;  // send() may have decided to close
  if (drain) co_await linger_close();
  co_return ok;
}

asio::awaitable<BodyRead> Connection::read_body(Call& call, std::int64_t limit,
                                                const std::function<bool(std::int64_t)>& may_buffer) {
  BodyRead result;
  http::request_parser<http::string_body> sp(std::move(*hp_));
  sp.body_limit(static_cast<std::uint64_t>(limit));
  if (!sp.is_done()) {
    if (call.expect_continue) {
      static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
      stream_.expires_after(srv_.opts.read_timeout);
      auto [wec, wn] = co_await asio::async_write(stream_, asio::buffer(kContinue), nothrow);
      if (wec) {
        result.end = BodyEnd::Lost;
        co_return result;
      }
    }
    stream_.expires_after(srv_.opts.read_timeout);
    while (!sp.is_done()) {
      auto [ec, n] = co_await http::async_read_some(stream_, buf_, sp, nothrow);
      if (ec) {
        if (ec == http::error::body_limit) {
          result.end = BodyEnd::TooLarge;
        } else if (is_http_error(ec) && ec != http::error::partial_message && ec != http::error::end_of_stream) {
          result.end = BodyEnd::Malformed;
          result.message = ec.message();
        } else {
          result.end = BodyEnd::Lost;
        }
        co_return result;
      }
      if (!may_buffer(static_cast<std::int64_t>(sp.get().body().capacity()))) {
        result.end = BodyEnd::OverBudget;
        co_return result;
      }
    }
  }
  call.req.body = std::move(sp.get().body());
  co_return result;
}

asio::awaitable<bool> Connection::exchange(Call& call, std::shared_ptr<Exchange> ex) {
  std::optional<http::request_parser<http::buffer_body>> bp;
  if (call.record.route->options.stream_request) {
    bp.emplace(std::move(*hp_));
    bp->body_limit(boost::none);  // streamed: unlimited, constant memory
  }
  {
    std::lock_guard lock(ex_mu_);
    ex_ = ex;
  }
  bool ok = co_await run_exchange(call.record, ex, bp ? &*bp : nullptr, call.expect_continue);
  ex->cancel();  // no-op when finished; wakes a worker still blocked on this connection
  {
    std::lock_guard lock(ex_mu_);
    ex_.reset();
  }
  co_return ok;
}

void Connection::watch_for_disconnect(const std::shared_ptr<Exchange>& ex) {
  stream_.socket().async_wait(tcp::socket::wait_read, [self = shared_from_this(), ex](const beast::error_code& ec) {
    if (ec) return;  // cancelled: the exchange ended first, or the socket closed
    char c = 0;
    const auto n = ::recv(self->stream_.socket().native_handle(), &c, 1, MSG_PEEK | MSG_DONTWAIT);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) ex->cancel();
  });
}

asio::awaitable<bool> Connection::run_exchange(RequestRecord& st, std::shared_ptr<Exchange> ex,
                                               http::request_parser<http::buffer_body>* body,
                                               bool expect_continue) {
  bool body_failed = false;
  std::optional<http::response<http::empty_body>> head;
  // Ends the disconnect watch on every way out (no other operation on the
  // socket is pending when this coroutine returns).
  struct WatchGuard {
    tcp::socket& sock;
    bool armed = false;
    ~WatchGuard() {
      if (!armed) return;
      beast::error_code ignored;
      sock.cancel(ignored);
    }
  } watch{stream_.socket()};
  for (;;) {
    std::string_view chunk;
    const Exchange::Event ev = ex->next_event(chunk);
    switch (ev) {
      case Exchange::Event::None:
        if (!watch.armed && (!body || body->is_done())) {
          watch_for_disconnect(ex);
          watch.armed = true;
        }
        co_await async_wait_exchange(*ex, asio::use_awaitable);
        break;

      case Exchange::Event::BodyWanted: {
        if (!body || body_failed) {
          ex->deliver_error(Error(ErrorKind::MalformedRequest, "request body is not available"));
          break;
        }
        if (body->is_done()) {
          ex->deliver_end();
          break;
        }
        if (expect_continue) {
          expect_continue = false;
          static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
          stream_.expires_after(srv_.opts.chunk_timeout);
          auto [wec, wn] = co_await asio::async_write(stream_, asio::buffer(kContinue), nothrow);
          if (wec) {
            body_failed = true;
            ex->deliver_error(body_read_error(wec));
            break;
          }
        }
        for (;;) {
          auto& b = body->get().body();
          b.data = ex->piece_buffer();
          b.size = ex->piece_capacity();
          b.more = true;
          stream_.expires_after(srv_.opts.chunk_timeout);
          auto [ec, n] = co_await http::async_read(stream_, buf_, *body, nothrow);
          if (ec == http::error::need_buffer) ec = {};
          const std::size_t got = ex->piece_capacity() - body->get().body().size;
          if (ec) {
            body_failed = true;
            ex->deliver_error(body_read_error(ec));
            break;
          }
          if (got > 0) {
            st.request_bytes += got;
            ex->deliver_piece(got);
            break;
          }
          if (body->is_done()) {
            ex->deliver_end();
            break;
          }
        }
        break;
      }

      case Exchange::Event::Final: {
        Response r = ex->take_response();
        st.ctx.tenant_id = ex->request().ctx.tenant_id;
        const bool unread_body = body && !body->is_done();
        if (unread_body) st.keep_alive = false;
        bool ok = co_await send(st, std::move(r));
        if (unread_body && !body_failed) co_await linger_close();
        co_return ok;
      }

      case Exchange::Event::Gone:
        st.keep_alive = false;
        co_return false;

      case Exchange::Event::Chunk:
      case Exchange::Event::StreamEnd: {
        const bool is_chunk = ev == Exchange::Event::Chunk;
        if (!head) {
          Response h = ex->take_response();
          st.ctx.tenant_id = ex->request().ctx.tenant_id;
          st.status = h.status;
          if (body && !body->is_done()) st.keep_alive = false;
          st.keep_alive = st.keep_alive && !srv_.shutting_down.load();
          head.emplace(static_cast<http::status>(h.status), st.version);
          if (!h.content_type.empty()) head->set(http::field::content_type, h.content_type);
          for (auto& [k, v] : h.headers) head->insert(k, v);
          set_common_headers(st, *head);
          head->keep_alive(st.keep_alive);
          head->chunked(true);
          http::response_serializer<http::empty_body> sr(*head);
          stream_.expires_after(srv_.opts.write_timeout);
          auto [ec, n] = co_await http::async_write_header(stream_, sr, nothrow);
          if (ec) {
            if (is_chunk) ex->chunk_done(false);
            st.keep_alive = false;
            record(st);
            co_return false;
          }
        }
        if (is_chunk) {
          stream_.expires_after(srv_.opts.chunk_timeout);
          auto [ec, n] = co_await asio::async_write(stream_, http::make_chunk(asio::buffer(chunk)), nothrow);
          ex->chunk_done(!ec);
          if (ec) {
            st.keep_alive = false;
            record(st);
            co_return false;
          }
          st.response_bytes += chunk.size();
          break;
        }
        record(st);  // before the last chunk, for the reason given in send()
        stream_.expires_after(srv_.opts.chunk_timeout);
        auto [ec, n] = co_await asio::async_write(stream_, http::make_chunk_last(), nothrow);
        co_return !ec && st.keep_alive;
      }

      case Exchange::Event::StreamAbort:
        // The status line is out: the only honest signal left is to cut
        // the connection before the terminating chunk.
        st.keep_alive = false;
        record(st);
        co_return false;
    }
  }
}

void Connection::set_common_headers(const RequestRecord& st, http::fields& f) const {
  f.set("X-Request-ID", st.ctx.request_id);
  f.set("traceparent", obs::format_traceparent(st.ctx.trace_id, st.ctx.span_id, st.trace_flags));
  for (const auto& [k, v] : st.headers) f.set(k, v);
}

asio::awaitable<bool> Connection::send(RequestRecord& st, Response r) {
  st.status = r.status;
  http::response<http::string_body> res(static_cast<http::status>(r.status), st.version);
  if (!r.content_type.empty()) res.set(http::field::content_type, r.content_type);
  for (auto& [k, v] : r.headers) res.insert(k, v);
  set_common_headers(st, res);
  const bool no_body = r.status < 200 || r.status == 204 || r.status == 304;
  if (!no_body) {
    res.body() = std::move(r.body);
    res.content_length(res.body().size());
  }
  st.response_bytes = res.body().size();
  st.keep_alive = st.keep_alive && !srv_.shutting_down.load();
  res.keep_alive(st.keep_alive);
  // Counted before the write: a client that has read this response and
  // asks /metrics next must find it there (a later count raced that read).
  record(st);
  stream_.expires_after(srv_.opts.write_timeout);
  auto [ec, n] = co_await http::async_write(stream_, res, nothrow);
  co_return !ec && st.keep_alive;
}

asio::awaitable<bool> Connection::send_error(RequestRecord& st, const Error& e) {
  Response r = error_response(e, st.ctx);
  co_return co_await send(st, std::move(r));
}

asio::awaitable<void> Connection::linger_close() {
  // Half-close and drain what the client is still sending, so that it
  // reads our response instead of a connection reset.
  beast::error_code ec;
  stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
  if (ec) co_return;
  stream_.expires_after(kLingerTime);
  std::size_t total = 0;
  auto sink = std::make_unique<char[]>(16384);
  while (total < kLingerBytes) {
    auto [rec, n] = co_await stream_.async_read_some(asio::buffer(sink.get(), 16384), nothrow);
    if (rec) break;
    total += n;
  }
  stream_.close();
}

void Connection::record(const RequestRecord& st) {
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - st.t0).count();
  const std::string_view method = st.route ? std::string_view(st.route->method) : method_label(st.method);
  char status[8];
  auto res = std::to_chars(status, status + sizeof status, st.status);
  const std::string_view status_sv(status, static_cast<std::size_t>(res.ptr - status));
  // Probes and scrapes are neither SLO events nor traced requests.
  const bool probe = st.endpoint.starts_with("/health/") || st.endpoint == "/metrics";
  try {
    srv_.requests_total->labels({method, st.endpoint, status_sv}).inc();
    if (srv_.opts.slo && !probe) srv_.opts.slo->record(st.status, secs);
    RouteMetrics rm = srv_.route_metrics(st.route, method, st.endpoint);
    rm.duration->observe(secs);
    rm.request_size->observe(static_cast<double>(st.request_bytes));
    rm.response_size->observe(static_cast<double>(st.response_bytes));
  } catch (...) {
    // metrics must never break serving
  }
  if (srv_.opts.tracer && !probe) trace(st, method, secs);
  if (srv_.access_log.enabled(obs::LogLevel::Info)) {
    srv_.access_log.info("request",
                         {{"method", method},
                          {"endpoint", st.endpoint},
                          {"status", st.status},
                          {"duration_ms", secs * 1000.0},
                          {"bytes", st.response_bytes},
                          {"bytes_in", st.request_bytes},
                          {"request_id", st.ctx.request_id}},
                         {st.ctx.trace_id, st.ctx.span_id, st.ctx.tenant_id});
  }
}

void Connection::trace(const RequestRecord& st, std::string_view method, double secs) {
  try {
    if (!srv_.opts.tracer->keep(st.endpoint, st.status, secs, (st.trace_flags & 1) != 0)) return;
    std::vector<obs::SpanRecord> spans;
    obs::SpanRecord root;
    root.trace_id = st.ctx.trace_id;
    root.span_id = st.ctx.span_id;
    root.parent_span_id = st.ctx.parent_span_id;
    root.trace_state = st.ctx.trace_state;
    root.name = std::string(method) + " " + std::string(st.endpoint);
    root.server = true;
    root.end_us = now_micros();
    root.start_us = root.end_us - static_cast<std::int64_t>(secs * 1e6);
    root.error = st.status >= 500;
    root.attributes = {{"http.method", std::string(method)},
                       {"http.route", std::string(st.endpoint)},
                       {"http.status_code", std::to_string(st.status)},
                       {"request_id", st.ctx.request_id}};
    if (!st.ctx.tenant_id.empty()) root.attributes.emplace_back("tenant_id", st.ctx.tenant_id);
    spans.push_back(std::move(root));
    if (st.trace)
      for (auto& c : st.trace->take()) spans.push_back(std::move(c));
    srv_.opts.tracer->submit(std::move(spans));
  } catch (...) {
    // tracing must never break serving
  }
}

}  // namespace vault::http
