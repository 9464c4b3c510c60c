#include "http/connection.hpp"
#include "http/request_head.hpp"

#include "vault/observability/trace.hpp"

#include <boost/json/array.hpp>
#include <stdexcept>

#include <charconv>
#include <cerrno>
#include <sys/socket.h>

namespace vault::http {
namespace {

constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t kPieceBytes = 256 * 1024;  // one piece of a streamed body in flight
constexpr std::size_t kLingerBytes = 16 << 20;
constexpr auto kLingerTime = std::chrono::seconds(1);
/// Routes without authentication (the built-in GETs) take no real body:
/// anonymous clients must not make the server buffer.
constexpr std::int64_t kOpenRouteBodyBytes = 64 << 10;
/// Chunked bodies reserve budget in steps of this size as they grow.
constexpr std::int64_t kBudgetStep = 256 << 10;

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

// Errors are built outside the coroutines: g++ 12 miscompiles braced
// initializer lists inside coroutine bodies ("array used as initializer").
Error route_not_found(const std::string& path) {
  return Error(ErrorKind::RouteNotFound, "no route matches the request path", boost::json::object{{"path", path}});
}

Error body_too_large(std::int64_t limit) {
  return Error(ErrorKind::PayloadTooLarge, "request body exceeds " + std::to_string(limit) + " bytes",
               boost::json::object{{"limit_bytes", limit}});
}

Error overloaded(const char* what) {
  Error e(ErrorKind::Overloaded, std::string("the server is overloaded (") + what + "); retry later");
  e.with_retry_after(1);
  return e;
}

Response method_not_allowed(const std::string& method, const std::string& allow, const RequestContext& ctx) {
  boost::json::array allowed;
  for (std::string_view a = allow; !a.empty();) {
    auto comma = a.find(", ");
    allowed.emplace_back(a.substr(0, comma));
    a = comma == std::string_view::npos ? std::string_view{} : a.substr(comma + 2);
  }
  Response r = error_response(Error(ErrorKind::MethodNotAllowed, "method " + method + " is not allowed on this route",
                                    boost::json::object{{"allow", std::move(allowed)}}),
                              ctx);
  r.with_header("Allow", allow);
  return r;
}

/// Keeps vault_buffered_body_bytes in step with one request's reservation,
/// and releases the reservation when the request is done.
struct BudgetGauge {
  BodyBudget& budget;
  metrics::Gauge* gauge;
  BodyReservation& r;
  BudgetGauge(BodyBudget& b, metrics::Gauge* g, BodyReservation& res) : budget(b), gauge(g), r(res) {}
  ~BudgetGauge() {
    r.release();
    update();
  }
  BudgetGauge(const BudgetGauge&) = delete;
  BudgetGauge& operator=(const BudgetGauge&) = delete;
  void update() { gauge->set(static_cast<double>(budget.used())); }
};

struct ActiveGuard {
  metrics::Gauge* g;
  explicit ActiveGuard(metrics::Gauge* gauge) : g(gauge) { g->inc(); }
  ~ActiveGuard() { g->dec(); }
  ActiveGuard(const ActiveGuard&) = delete;
  ActiveGuard& operator=(const ActiveGuard&) = delete;
};

}  // namespace

struct Connection::State {
  std::chrono::steady_clock::time_point t0 = std::chrono::steady_clock::now();
  RequestContext ctx;
  std::uint8_t trace_flags = 0;
  std::string method;
  std::string_view endpoint = "unmatched";
  const Route* route = nullptr;
  unsigned version = 11;
  bool keep_alive = false;
  std::uint64_t request_bytes = 0;
  std::uint64_t response_bytes = 0;
  int status = 0;

  /// Ids for a request whose head could not even be parsed.
  void fresh_ids(std::chrono::milliseconds timeout) {
    ctx.request_id = obs::new_request_id();
    ctx.trace_id = obs::new_trace_id();
    ctx.span_id = obs::new_span_id();
    ctx.deadline = t0 + timeout;
  }
};

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
  State st;
  st.fresh_ids(srv_.opts.request_timeout);
  st.method = "OTHER";
  st.keep_alive = false;
  Error e = overloaded("too many connections");
  co_await send_error(st, e);
  co_await linger_close();
}

void Connection::close_if_idle() {
  if (idle_) stream_.close();
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
    if (idle_ && srv_.shutting_down.load()) break;
    stream_.expires_after(idle_ ? srv_.opts.idle_timeout : srv_.opts.request_timeout);
    auto [ec, n] = co_await http::async_read_header(stream_, buf_, hp, nothrow);
    idle_ = false;
    if (ec) {
      bool header_too_large = ec == http::error::header_limit;
      bool malformed = is_http_error(ec) && ec != http::error::end_of_stream && ec != http::error::partial_message;
      if (header_too_large || malformed) {
        State st;
        st.fresh_ids(srv_.opts.request_timeout);
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
    if (!keep) break;
  }
  stream_.close();
}

asio::awaitable<bool> Connection::serve(http::request_parser<http::empty_body>& hp) {
  ActiveGuard active(srv_.active_requests);
  State st;
  const auto& head = hp.get();
  st.version = head.version();
  st.keep_alive = head.keep_alive();

  // Ids, trace context, headers and the decoded target (request_head.cpp).
  RequestHead rh = read_request_head(head);
  Request& req = rh.req;
  req.ctx.deadline = st.t0 + srv_.opts.request_timeout;
  st.ctx = req.ctx;
  st.method = req.method;
  st.trace_flags = rh.trace_flags;
  const bool expect_continue = rh.expect_continue;
  const bool body_pending = !hp.is_done();

  if (rh.error) {
    st.keep_alive = st.keep_alive && !body_pending;
    co_return co_await send_error(st, *rh.error);
  }

  // Routing: built-in endpoints first; the admin listener has only those.
  RouteMatch m = route_request(srv_.builtin, listener_ == Listener::Api ? &srv_.router : nullptr, st.method,
                               rh.raw_path);
  if (m.kind != RouteMatch::Kind::Found) {
    st.keep_alive = st.keep_alive && !body_pending;
    if (m.kind == RouteMatch::Kind::NotFound) {
      Error e = route_not_found(req.path);
      co_return co_await send_error(st, e);
    }
    Response r = method_not_allowed(st.method, m.allow, st.ctx);
    co_return co_await send(st, std::move(r));
  }
  const Route* route = m.route;
  st.route = route;
  st.endpoint = route->pattern;
  req.path_params = std::move(m.params);

  // Authentication and authorization from the headers, before any body byte
  // is read or 100 Continue is sent. On failure the body stays unread: the
  // connection closes after the answer (draining a bounded amount).
  std::optional<Response> denied;
  try {
    if (Status s = srv_.authenticate(req, *route, listener_); !s) denied = error_response(s.error(), st.ctx);
  } catch (...) {
    denied = response_for_current_exception(st.ctx, srv_.deps);
  }
  st.ctx.tenant_id = req.ctx.tenant_id;  // known when authorization (not authentication) failed
  if (denied) {
    if (body_pending) st.keep_alive = false;
    bool ok = co_await send(st, std::move(*denied));
    if (body_pending) co_await linger_close();
    co_return ok;
  }

  const bool streaming = route->options.stream_request;
  const std::int64_t body_limit = route->options.authenticated
                                      ? srv_.opts.max_body_bytes
                                      : std::min<std::int64_t>(srv_.opts.max_body_bytes, kOpenRouteBodyBytes);
  // The share of the global buffered-body budget; released (and the gauge
  // updated) when this request is done.
  BodyReservation reserved(srv_.body_budget);
  BudgetGauge budget_gauge(srv_.body_budget, srv_.buffered_body_bytes, reserved);
  std::optional<http::request_parser<http::buffer_body>> bp;
  if (!streaming) {
    const auto cl = hp.content_length();
    if (cl && *cl > static_cast<std::uint64_t>(body_limit)) {
      co_return co_await refuse_body(st, body_too_large(body_limit));
    }
    // The global budget of buffered bodies: the announced length up front.
    if (cl && *cl > 0 && !reserved.grow_to(static_cast<std::int64_t>(*cl))) {
      co_return co_await refuse_body(st, overloaded("request bodies being buffered"));
    }
    budget_gauge.update();
    // Refusals found while reading are answered after the buffer is freed
    // and the budget given back: the linger must not hold them.
    std::optional<Error> refused;
    {
      http::request_parser<http::string_body> sp(std::move(hp));
      sp.body_limit(static_cast<std::uint64_t>(body_limit));
      if (!sp.is_done()) {
        if (expect_continue) {
          static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
          stream_.expires_after(srv_.opts.request_timeout);
          auto [wec, wn] = co_await asio::async_write(stream_, asio::buffer(kContinue), nothrow);
          if (wec) co_return false;
        }
        stream_.expires_after(srv_.opts.request_timeout);
        while (!sp.is_done()) {
          auto [ec, n] = co_await http::async_read_some(stream_, buf_, sp, nothrow);
          if (ec) {
            if (ec == http::error::body_limit) {
              refused = body_too_large(body_limit);
            } else if (is_http_error(ec) && ec != http::error::partial_message && ec != http::error::end_of_stream) {
              refused = Error(ErrorKind::MalformedRequest, "malformed request body: " + ec.message());
            } else {
              co_return false;  // closed or timed out: nobody to answer
            }
            break;
          }
          if (!cl) {
            // Chunked: the buffer's growth is charged as it happens.
            const auto have = static_cast<std::int64_t>(sp.get().body().capacity());
            if (have > reserved.bytes()) {
              const std::int64_t want = (have / kBudgetStep + 1) * kBudgetStep;
              if (!reserved.grow_to(want)) {
                refused = overloaded("request bodies being buffered");
                break;
              }
              budget_gauge.update();
            }
          }
        }
      }
      if (!refused) req.body = std::move(sp.get().body());
    }
    if (refused) {
      reserved.release();
      budget_gauge.update();
      co_return co_await refuse_body(st, *refused);
    }
    st.request_bytes = req.body.size();
  } else {
    bp.emplace(std::move(hp));
    bp->body_limit(boost::none);  // streamed: unlimited, constant memory
  }

  // Cheap built-ins and short single-read routes (RouteOptions::run_inline)
  // run here; everything else on the worker pool.
  const bool inline_route = srv_.is_inline(route) || (route == srv_.ready_route && srv_.shutting_down.load()) ||
                            (route->options.run_inline && !streaming);
  if (inline_route) {
    Response r;
    try {
      r = route->handler(req);
      if (r.stream) throw std::logic_error("inline route returned a stream");
    } catch (...) {
      r = response_for_current_exception(req.ctx, srv_.deps);
    }
    co_return co_await send(st, std::move(r));
  }

  auto ex = std::make_shared<Exchange>(std::move(req), streaming ? kPieceBytes : 0);
  WorkerPool::Job job = [ex, route, deps = &srv_.deps] { run_route(*route, *ex, *deps); };
  if (!srv_.pool->try_submit(job)) {
    if (streaming && !bp->is_done()) st.keep_alive = false;
    Error e(ErrorKind::Overloaded, "the server is overloaded; retry later");
    e.with_retry_after(1);
    bool ok = co_await send_error(st, e);
    if (!st.keep_alive) co_await linger_close();
    co_return ok;
  }
  {
    std::lock_guard lock(ex_mu_);
    ex_ = ex;
  }
  bool ok = co_await run_exchange(st, ex, bp ? &*bp : nullptr, expect_continue);
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

asio::awaitable<bool> Connection::run_exchange(State& st, std::shared_ptr<Exchange> ex,
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
          stream_.expires_after(srv_.opts.request_timeout);
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
          stream_.expires_after(srv_.opts.request_timeout);
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
          stream_.expires_after(srv_.opts.request_timeout);
          auto [ec, n] = co_await http::async_write_header(stream_, sr, nothrow);
          if (ec) {
            if (is_chunk) ex->chunk_done(false);
            st.keep_alive = false;
            record(st);
            co_return false;
          }
        }
        if (is_chunk) {
          stream_.expires_after(srv_.opts.request_timeout);
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
        stream_.expires_after(srv_.opts.request_timeout);
        auto [ec, n] = co_await asio::async_write(stream_, http::make_chunk_last(), nothrow);
        record(st);
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

void Connection::set_common_headers(const State& st, http::fields& f) const {
  f.set("X-Request-ID", st.ctx.request_id);
  f.set("traceparent", obs::format_traceparent(st.ctx.trace_id, st.ctx.span_id, st.trace_flags));
}

asio::awaitable<bool> Connection::send(State& st, Response r) {
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
  stream_.expires_after(srv_.opts.request_timeout);
  auto [ec, n] = co_await http::async_write(stream_, res, nothrow);
  record(st);
  co_return !ec && st.keep_alive;
}

asio::awaitable<bool> Connection::send_error(State& st, const Error& e) {
  Response r = error_response(e, st.ctx);
  co_return co_await send(st, std::move(r));
}

asio::awaitable<bool> Connection::refuse_body(State& st, const Error& e) {
  st.keep_alive = false;
  bool ok = co_await send_error(st, e);
  co_await linger_close();
  co_return ok;
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

void Connection::record(const State& st) {
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - st.t0).count();
  const std::string_view method = st.route ? std::string_view(st.route->method) : method_label(st.method);
  char status[8];
  auto res = std::to_chars(status, status + sizeof status, st.status);
  const std::string_view status_sv(status, static_cast<std::size_t>(res.ptr - status));
  try {
    srv_.requests_total->labels({method, st.endpoint, status_sv}).inc();
    RouteMetrics rm = srv_.route_metrics(st.route, method, st.endpoint);
    rm.duration->observe(secs);
    rm.request_size->observe(static_cast<double>(st.request_bytes));
    rm.response_size->observe(static_cast<double>(st.response_bytes));
  } catch (...) {
    // metrics must never break serving
  }
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

}  // namespace vault::http
