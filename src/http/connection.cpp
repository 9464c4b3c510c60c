#include "http/connection.hpp"
#include "http/ascii.hpp"

#include "vault/observability/trace.hpp"

#include <boost/json/array.hpp>
#include <stdexcept>

#include <charconv>

namespace vault::http {
namespace {

constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t kPieceBytes = 256 * 1024;  // one piece of a streamed body in flight
constexpr std::size_t kLingerBytes = 16 << 20;
constexpr auto kLingerTime = std::chrono::seconds(1);

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

Connection::Connection(Server::Impl& server, tcp::socket socket) : srv_(server), stream_(std::move(socket)) {}

Connection::~Connection() {
  cancel_exchange();
  srv_.remove_connection(this);
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
  st.method.assign(head.method_string());

  // X-Request-ID and traceparent.
  if (auto it = head.find("x-request-id"); it != head.end() && obs::is_acceptable_request_id(it->value())) {
    st.ctx.request_id.assign(it->value());
  } else {
    st.ctx.request_id = obs::new_request_id();
  }
  if (auto it = head.find("traceparent"); it != head.end()) {
    if (auto tp = obs::parse_traceparent(it->value())) {
      st.ctx.trace_id = std::move(tp->trace_id);
      st.ctx.parent_span_id = std::move(tp->parent_id);
      st.trace_flags = tp->flags;
    }
  }
  if (st.ctx.trace_id.empty()) st.ctx.trace_id = obs::new_trace_id();
  st.ctx.span_id = obs::new_span_id();
  st.ctx.deadline = st.t0 + srv_.opts.request_timeout;

  // The Request (everything but the body) is built before the parser moves.
  Request req;
  req.method = st.method;
  req.target.assign(head.target());
  req.headers.reserve(16);
  bool expect_continue = false;
  for (const auto& f : head) {
    std::string name(f.name_string());
    for (char& c : name) {
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    if (name == "expect" && iequals(f.value(), "100-continue")) expect_continue = true;
    req.headers.emplace_back(std::move(name), std::string(f.value()));
  }
  const bool body_pending = !hp.is_done();

  std::string_view target = req.target;
  if (target.empty() || target[0] != '/') {
    st.keep_alive = st.keep_alive && !body_pending;
    Error e(ErrorKind::MalformedRequest, "request target must be an absolute path");
    co_return co_await send_error(st, e);
  }
  auto qpos = target.find('?');
  std::string_view raw_path = target.substr(0, qpos);
  if (!percent_decode(raw_path, req.path) ||
      (qpos != std::string_view::npos && !parse_query(target.substr(qpos + 1), req.query))) {
    st.keep_alive = st.keep_alive && !body_pending;
    Error e(ErrorKind::MalformedRequest, "invalid percent-encoding in the request target");
    co_return co_await send_error(st, e);
  }

  // Routing: built-in endpoints first.
  RouteMatch m = srv_.builtin.match(st.method, raw_path);
  if (m.kind == RouteMatch::Kind::NotFound) m = srv_.router.match(st.method, raw_path);
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
  req.ctx = st.ctx;

  const bool streaming = route->options.stream_request;
  std::optional<http::request_parser<http::buffer_body>> bp;
  if (!streaming) {
    if (auto cl = hp.content_length(); cl && *cl > static_cast<std::uint64_t>(srv_.opts.max_body_bytes)) {
      st.keep_alive = false;
      Error e = body_too_large(srv_.opts.max_body_bytes);
      bool ok = co_await send_error(st, e);
      co_await linger_close();
      co_return ok;
    }
    http::request_parser<http::string_body> sp(std::move(hp));
    sp.body_limit(static_cast<std::uint64_t>(srv_.opts.max_body_bytes));
    if (!sp.is_done()) {
      if (expect_continue) {
        static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
        stream_.expires_after(srv_.opts.request_timeout);
        auto [wec, wn] = co_await asio::async_write(stream_, asio::buffer(kContinue), nothrow);
        if (wec) co_return false;
      }
      stream_.expires_after(srv_.opts.request_timeout);
      auto [ec, n] = co_await http::async_read(stream_, buf_, sp, nothrow);
      if (ec) {
        if (ec == http::error::body_limit) {
          st.keep_alive = false;
          Error e = body_too_large(srv_.opts.max_body_bytes);
          co_await send_error(st, e);
          co_await linger_close();
        } else if (is_http_error(ec) && ec != http::error::partial_message && ec != http::error::end_of_stream) {
          st.keep_alive = false;
          Error e(ErrorKind::MalformedRequest, "malformed request body: " + ec.message());
          co_await send_error(st, e);
          co_await linger_close();
        }
        co_return false;
      }
    }
    req.body = std::move(sp.get().body());
    st.request_bytes = req.body.size();
  } else {
    bp.emplace(std::move(hp));
    bp->body_limit(boost::none);  // streamed: unlimited, constant memory
  }

  // Cheap built-ins run here; everything else on the worker pool.
  if (srv_.is_inline(route) || (route == srv_.ready_route && srv_.shutting_down.load())) {
    Response r;
    try {
      r = route->handler(req);
    } catch (...) {
      r = response_for_current_exception(req.ctx, srv_.deps);
    }
    co_return co_await send(st, std::move(r));
  }

  // Short single-read routes skip the worker hand-off (RouteOptions::run_inline).
  if (route->options.run_inline && !streaming) {
    Response r;
    try {
      if (Status s = authorize(req, route->options, &srv_.authenticator); !s) {
        r = error_response(s.error(), req.ctx);
      } else {
        r = route->handler(req);
        if (r.stream) throw std::logic_error("run_inline route returned a stream");
      }
    } catch (...) {
      r = response_for_current_exception(req.ctx, srv_.deps);
    }
    st.ctx.tenant_id = req.ctx.tenant_id;
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

asio::awaitable<bool> Connection::run_exchange(State& st, std::shared_ptr<Exchange> ex,
                                               http::request_parser<http::buffer_body>* body,
                                               bool expect_continue) {
  bool body_failed = false;
  std::optional<http::response<http::empty_body>> head;
  for (;;) {
    std::string_view chunk;
    const Exchange::Event ev = ex->next_event(chunk);
    switch (ev) {
      case Exchange::Event::None:
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
