#include "http/builtin_routes.hpp"
#include "http/connection.hpp"
#include "http/server_impl.hpp"

namespace vault::http {
namespace {
constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);
}

Server::Impl::Impl(ServerOptions o, Router& r, Authenticator a, obs::HealthRegistry& h, metrics::Registry& m,
                   obs::Logger& l, const Clock& c)
    : opts(std::move(o)),
      clock(c),
      router(r),
      authenticator(std::move(a)),
      health(h),
      registry(m),
      logger(l),
      access_log(l.named("http")),
      body_budget(opts.max_buffered_body_bytes) {
  const std::vector<std::string> me = {"method", "endpoint"};
  requests_total = &registry.counter("vault_requests_total", "HTTP requests answered, by method, route template and status.",
                                     {"method", "endpoint", "status"});
  // 0.2 s is the latency SLO's threshold (deploy/prometheus/slo_rules.yml)
  duration = &registry.histogram("vault_request_duration_seconds",
                                 "HTTP request latency from the request head until the response is handed to the socket.",
                                 me, {0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.25, 0.5, 1, 2.5, 5, 10});
  const auto sizes = metrics::exponential_buckets(100, 10, 8);  // 100 B .. 10 GB
  request_size = &registry.histogram("vault_request_size_bytes", "HTTP request body size.", me, sizes);
  response_size = &registry.histogram("vault_response_size_bytes", "HTTP response body size.", me, sizes);
  active_requests = &registry.gauge("vault_active_requests", "HTTP requests being served now, by method and route template.", me);
  active_connections =
      &registry.gauge("vault_active_connections", "HTTP connections open on the API listener.").get();
  max_connections = &registry
                         .gauge("vault_max_connections",
                                "Limit of open API-listener connections (server.max_connections).")
                         .get();
  max_connections->set(opts.max_connections);
  buffered_body_bytes = &registry
                             .gauge("vault_buffered_body_bytes",
                                    "Request-body bytes reserved in memory now (limit: server.max_buffered_body_bytes).")
                             .get();
  unhandled_exceptions = &registry
                              .counter("vault_unhandled_exceptions_total",
                                       "Exceptions that escaped a handler (answered with VAULT_ERR_9999).")
                              .get();
  deps = DispatchDeps{&access_log, unhandled_exceptions};
  add_builtin_routes(builtin, health, registry);
  for (const Route* br : builtin.routes()) {
    if (br->pattern == kReadyPath) {
      ready_route = br;
    } else {
      if (br->pattern == kMetricsPath) metrics_route = br;
      inline_routes.insert(br);
    }
  }
}

Server::Impl::~Impl() {
  shutdown();
  wait();
  // Pending handlers (and the connections they own) go with the io_context,
  // before the members they refer to.
  acceptor.reset();
  admin_acceptor.reset();
  drain_timer.reset();
  drain_delay_timer.reset();
  ioc.reset();
}

RouteMetrics Server::Impl::route_metrics(const Route* route, std::string_view method, std::string_view endpoint) {
  if (route) {
    if (auto it = cached_route_metrics.find(route); it != cached_route_metrics.end()) return it->second;
  }
  return RouteMetrics{&duration->labels({method, endpoint}), &request_size->labels({method, endpoint}),
                      &response_size->labels({method, endpoint}), &active_requests->labels({method, endpoint})};
}

Status Server::Impl::start() {
  if (started.exchange(true)) return fail(ErrorKind::Configuration, "server already started");
  if (shutting_down.load()) return fail(ErrorKind::Configuration, "server is shutting down");
  for (const Router* rt : {&builtin, &router}) {
    for (const Route* r : rt->routes()) {
      cached_route_metrics.emplace(r, route_metrics(nullptr, r->method, r->pattern));
    }
  }
  ioc = std::make_unique<asio::io_context>(std::max(1, opts.io_threads));
  // Each listener lives on its own strand: its accept loop and begin_drain's
  // cancel are serialised, so a cancel cannot slip between the loop's check
  // of `closing` and its next async_accept (which would then wait forever).
  acceptor.emplace(asio::make_strand(*ioc));
  if (Status s = listen(*acceptor, opts.host, opts.port, "listen"); !s) {
    acceptor.reset();
    return s;
  }
  port.store(acceptor->local_endpoint().port());
  if (!opts.admin_host.empty()) {
    admin_acceptor.emplace(asio::make_strand(*ioc));
    if (Status s = listen(*admin_acceptor, opts.admin_host, opts.admin_port, "admin listen"); !s) {
      admin_acceptor.reset();
      acceptor.reset();
      port.store(0);
      return s;
    }
    admin_port.store(admin_acceptor->local_endpoint().port());
  }

  pool = std::make_unique<WorkerPool>(opts.worker_threads, static_cast<std::size_t>(std::max(0, opts.worker_queue_limit)));
  api_pipeline.emplace(build_pipeline(Listener::Api));
  admin_pipeline.emplace(build_pipeline(Listener::Admin));
  asio::co_spawn(acceptor->get_executor(), accept_loop(*acceptor, Listener::Api), asio::detached);
  if (admin_acceptor)
    asio::co_spawn(admin_acceptor->get_executor(), accept_loop(*admin_acceptor, Listener::Admin), asio::detached);
  for (int i = 0; i < std::max(1, opts.io_threads); ++i) {
    io_threads.emplace_back([this] {
      for (;;) {
        try {
          ioc->run();
          return;
        } catch (const std::exception& e) {
          access_log.error("exception escaped an io handler", {{"exception", e.what()}});
        } catch (...) {
          access_log.error("exception escaped an io handler");
        }
      }
    });
  }
  access_log.info("listening", {{"host", opts.host}, {"port", port.load()}, {"io_threads", opts.io_threads},
                                {"worker_threads", opts.worker_threads}, {"max_connections", opts.max_connections}});
  if (admin_acceptor) access_log.info("admin listener", {{"host", opts.admin_host}, {"port", admin_port.load()}});
  return {};
}

Status Server::Impl::listen(tcp::acceptor& acc, const std::string& host, std::uint16_t p, const char* what) {
  boost::system::error_code ec;
  tcp::resolver resolver(*ioc);
  auto endpoints =
      resolver.resolve(host, std::to_string(p), tcp::resolver::passive | tcp::resolver::numeric_service, ec);
  if (ec || endpoints.empty()) {
    return fail(ErrorKind::Configuration, std::string("cannot resolve the ") + what + " address",
                boost::json::object{{"host", host}, {"reason", ec.message()}});
  }
  tcp::endpoint ep = endpoints.begin()->endpoint();
  auto bind_fail = [&](const char* step) {
    return fail(ErrorKind::Configuration, std::string("cannot ") + step + " the " + what + " address",
                boost::json::object{{"host", host}, {"port", p}, {"reason", ec.message()}});
  };
  acc.open(ep.protocol(), ec);
  if (ec) return bind_fail("open");
  acc.set_option(asio::socket_base::reuse_address(true), ec);
  acc.bind(ep, ec);
  if (ec) return bind_fail("bind");
  acc.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return bind_fail("listen on");
  return {};
}

Status Server::Impl::authenticate(Request& req, const Route& route, Listener l) const {
  if (l == Listener::Admin) return {};
  if (&route == metrics_route) return authorize_metrics(req, &authenticator, opts.metrics_token);
  return authorize(req, route.options, &authenticator);
}

asio::awaitable<void> Server::Impl::accept_loop(tcp::acceptor& acc, Listener l) {
  for (;;) {
    if (closing.load()) {
      // Clients whose connection the kernel completed are in the backlog:
      // closing the listener would reset them with their request unanswered.
      // Take them in (they are served once, with Connection: close), then close.
      boost::system::error_code ec;
      acc.non_blocking(true, ec);
      for (int taken = 0; !ec && taken < 4096; ++taken) {
        tcp::socket s(asio::make_strand(*ioc));
        acc.accept(s, ec);
        if (!ec) serve_socket(std::move(s), l);
      }
      acc.close(ec);
      co_return;
    }
    auto [ec, sock] = co_await acc.async_accept(asio::make_strand(*ioc), nothrow);
    if (ec) {
      if (ec == asio::error::operation_aborted && closing.load()) continue;  // begin_drain(): take the backlog
      if (ec == asio::error::operation_aborted || !acc.is_open()) co_return;
      // e.g. EMFILE: back off briefly instead of spinning.
      access_log.warn("accept failed", {{"reason", ec.message()}});
      asio::steady_timer t(*ioc, std::chrono::milliseconds(50));
      co_await t.async_wait(nothrow);
      continue;
    }
    serve_socket(std::move(sock), l);
  }
}

void Server::Impl::serve_socket(tcp::socket sock, Listener l) {
  boost::system::error_code ignored;
  sock.set_option(tcp::no_delay(true), ignored);
  bool full;
  {
    std::lock_guard lock(conns_mu);
    full = l == Listener::Api ? api_conns >= static_cast<std::size_t>(std::max(1, opts.max_connections))
                              : admin_conns >= kMaxAdminConnections;
  }
  if (full) {
    if (l == Listener::Api) reclaim_idle_connections();
    // Over the cap: a 503 when few are being refused, else just a close
    // (refusing must not cost more than the cap saves).
    if (l == Listener::Admin || refusing.load() >= kMaxRefusing) {
      sock.close(ignored);
      return;
    }
    auto c = std::make_shared<Connection>(*this, std::move(sock), l);
    // The completion handler owns the connection until the coroutine ends
    // (a member coroutine does not keep its object alive).
    asio::co_spawn(c->executor(), c->refuse_overloaded(), [c](std::exception_ptr) {});
    return;
  }
  auto c = std::make_shared<Connection>(*this, std::move(sock), l);
  add_connection(c, l);
  asio::co_spawn(c->executor(), c->run(), [this, c](std::exception_ptr e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      access_log.error("connection failed", {{"exception", ex.what()}});
    } catch (...) {
      access_log.error("connection failed");
    }
  });
}

void Server::Impl::reclaim_idle_connections() {
  const auto now = clock.steady_now();
  if (now - last_reclaim < std::chrono::seconds(1)) return;
  last_reclaim = now;
  std::vector<std::shared_ptr<Connection>> live;
  {
    std::lock_guard lock(conns_mu);
    live.reserve(api_conns);
    for (auto& [p, w] : conns)
      if (auto c = w.lock(); c && c->listener() == Listener::Api) live.push_back(std::move(c));
  }
  for (auto& c : live) asio::post(c->executor(), [c] { c->close_if_idle(); });
}

void Server::Impl::add_connection(const std::shared_ptr<Connection>& c, Listener l) {
  std::lock_guard lock(conns_mu);
  if (!conns.emplace(c.get(), c).second) return;
  if (l == Listener::Api) {
    active_connections->set(static_cast<double>(++api_conns));
  } else {
    ++admin_conns;
  }
}

void Server::Impl::remove_connection(Connection* c, Listener l) {
  bool drained;
  {
    std::lock_guard lock(conns_mu);
    if (conns.erase(c) == 1) {
      if (l == Listener::Api) {
        active_connections->set(static_cast<double>(--api_conns));
      } else {
        --admin_conns;
      }
    }
    drained = conns.empty();
  }
  if (drained && shutting_down.load() && !stopped.load() && ioc) {
    asio::post(*ioc, [this] { check_drained(); });
  }
}

void Server::Impl::shutdown() {
  if (shutting_down.exchange(true)) return;
  health.set_shutting_down();
  if (ioc && port.load() != 0 && !stopped.load()) {
    access_log.info("shutting down: readiness is 503, answers say Connection: close",
                    {{"drain_delay_ms", static_cast<std::int64_t>(opts.drain_delay.count())},
                     {"timeout_ms", static_cast<std::int64_t>(opts.shutdown_timeout.count())}});
    asio::post(*ioc, [this] {
      if (opts.drain_delay.count() <= 0) return begin_drain();
      // The drain window (the preStop window): keep accepting and serving,
      // each answer closing its connection, while load balancers notice
      // the failing readiness and move clients elsewhere.
      drain_delay_timer.emplace(*ioc, opts.drain_delay);
      drain_delay_timer->async_wait([this](boost::system::error_code) { begin_drain(); });
    });
  }
}

void Server::Impl::begin_drain() {
  closing.store(true);
  access_log.info("shutdown: listener closed, finishing in-flight requests");
  // The accept loops take in their backlog, then close the listeners.
  for (auto* acc : {&acceptor, &admin_acceptor}) {
    if (*acc) asio::post((*acc)->get_executor(), [acc] {
        boost::system::error_code ec;
        (*acc)->cancel(ec);
      });
  }
  std::vector<std::shared_ptr<Connection>> live;
  {
    std::lock_guard lock(conns_mu);
    for (auto& [p, w] : conns) {
      if (auto c = w.lock()) live.push_back(std::move(c));
    }
  }
  for (auto& c : live) asio::post(c->executor(), [c] { c->close_if_idle(); });
  drain_timer.emplace(*ioc, opts.shutdown_timeout);
  drain_timer->async_wait([this](boost::system::error_code e) {
    if (!e) force_close_all();
  });
  check_drained();
}

void Server::Impl::check_drained() {
  if (!closing.load()) return;  // still in the drain window
  {
    std::lock_guard lock(conns_mu);
    if (!conns.empty()) return;
  }
  if (drain_timer && drain_timer->cancel() > 0) access_log.info("shutdown: every connection closed");
}

void Server::Impl::force_close_all() {
  std::vector<std::shared_ptr<Connection>> live;
  {
    std::lock_guard lock(conns_mu);
    for (auto& [p, w] : conns) {
      if (auto c = w.lock()) live.push_back(std::move(c));
    }
  }
  access_log.warn("shutdown timeout: closing connections", {{"connections", live.size()}});
  for (auto& c : live) {
    c->cancel_exchange();
    asio::post(c->executor(), [c] { c->force_close(); });
  }
}

void Server::Impl::wait() {
  std::call_once(wait_once, [this] {
    for (auto& t : io_threads) t.join();
    stopped.store(true);
    // Connections whose coroutines never resumed: wake their workers.
    std::vector<std::shared_ptr<Connection>> live;
    {
      std::lock_guard lock(conns_mu);
      for (auto& [p, w] : conns) {
        if (auto c = w.lock()) live.push_back(std::move(c));
      }
    }
    for (auto& c : live) c->cancel_exchange();
    live.clear();
    if (pool) pool->stop();
    if (port.load() != 0) access_log.info("stopped");
  });
}

// ---- Server ---------------------------------------------------------------

Server::Server(ServerOptions options, Router& router, Authenticator authenticator, obs::HealthRegistry& health,
               metrics::Registry& metrics, obs::Logger& logger, const Clock& clock)
    : impl_(std::make_unique<Impl>(std::move(options), router, std::move(authenticator), health, metrics, logger,
                                   clock)) {}

Server::~Server() = default;

Status Server::start() { return impl_->start(); }
std::uint16_t Server::bound_port() const { return impl_->port.load(); }
std::uint16_t Server::admin_bound_port() const { return impl_->admin_port.load(); }
void Server::wait() { impl_->wait(); }
void Server::shutdown() { impl_->shutdown(); }
bool Server::shutting_down() const { return impl_->shutting_down.load(); }

}  // namespace vault::http
