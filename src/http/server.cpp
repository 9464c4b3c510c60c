#include "http/builtin_routes.hpp"
#include "http/connection.hpp"
#include "http/server_impl.hpp"

namespace vault::http {
namespace {
constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);
}

Server::Impl::Impl(ServerOptions o, Router& r, Authenticator a, obs::HealthRegistry& h, metrics::Registry& m,
                   obs::Logger& l)
    : opts(std::move(o)),
      router(r),
      authenticator(std::move(a)),
      health(h),
      registry(m),
      logger(l),
      access_log(l.named("http")) {
  const std::vector<std::string> me = {"method", "endpoint"};
  requests_total = &registry.counter("vault_requests_total", "HTTP requests answered, by method, route template and status.",
                                     {"method", "endpoint", "status"});
  duration = &registry.histogram("vault_request_duration_seconds",
                                 "HTTP request latency from the request head to the end of the response.", me);
  const auto sizes = metrics::exponential_buckets(100, 10, 8);  // 100 B .. 10 GB
  request_size = &registry.histogram("vault_request_size_bytes", "HTTP request body size.", me, sizes);
  response_size = &registry.histogram("vault_response_size_bytes", "HTTP response body size.", me, sizes);
  active_requests = &registry.gauge("vault_active_requests", "HTTP requests being served now.").get();
  unhandled_exceptions = &registry
                              .counter("vault_unhandled_exceptions_total",
                                       "Exceptions that escaped a handler (answered with VAULT_ERR_9999).")
                              .get();
  deps = DispatchDeps{&authenticator, &access_log, unhandled_exceptions};
  add_builtin_routes(builtin, health, registry);
  for (const Route* br : builtin.routes()) {
    if (br->pattern == kReadyPath) {
      ready_route = br;
    } else {
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
  drain_timer.reset();
  ioc.reset();
}

RouteMetrics Server::Impl::route_metrics(const Route* route, std::string_view method, std::string_view endpoint) {
  if (route) {
    if (auto it = cached_route_metrics.find(route); it != cached_route_metrics.end()) return it->second;
  }
  return RouteMetrics{&duration->labels({method, endpoint}), &request_size->labels({method, endpoint}),
                      &response_size->labels({method, endpoint})};
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
  boost::system::error_code ec;
  tcp::resolver resolver(*ioc);
  auto endpoints = resolver.resolve(opts.host, std::to_string(opts.port),
                                    tcp::resolver::passive | tcp::resolver::numeric_service, ec);
  if (ec || endpoints.empty()) {
    return fail(ErrorKind::Configuration, "cannot resolve listen address",
                boost::json::object{{"host", opts.host}, {"reason", ec.message()}});
  }
  tcp::endpoint ep = endpoints.begin()->endpoint();
  acceptor.emplace(*ioc);
  auto bind_fail = [&](const char* what) {
    acceptor.reset();
    return fail(ErrorKind::Configuration, std::string("cannot ") + what + " the listen address",
                boost::json::object{{"host", opts.host}, {"port", opts.port}, {"reason", ec.message()}});
  };
  acceptor->open(ep.protocol(), ec);
  if (ec) return bind_fail("open");
  acceptor->set_option(asio::socket_base::reuse_address(true), ec);
  acceptor->bind(ep, ec);
  if (ec) return bind_fail("bind");
  acceptor->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return bind_fail("listen on");
  port.store(acceptor->local_endpoint().port());

  pool = std::make_unique<WorkerPool>(opts.worker_threads, static_cast<std::size_t>(std::max(0, opts.worker_queue_limit)));
  asio::co_spawn(*ioc, accept_loop(), asio::detached);
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
                                {"worker_threads", opts.worker_threads}});
  return {};
}

asio::awaitable<void> Server::Impl::accept_loop() {
  for (;;) {
    auto [ec, sock] = co_await acceptor->async_accept(asio::make_strand(*ioc), nothrow);
    if (ec) {
      if (ec == asio::error::operation_aborted || !acceptor->is_open()) co_return;
      // e.g. EMFILE: back off briefly instead of spinning.
      access_log.warn("accept failed", {{"reason", ec.message()}});
      asio::steady_timer t(*ioc, std::chrono::milliseconds(50));
      co_await t.async_wait(nothrow);
      continue;
    }
    boost::system::error_code ignored;
    sock.set_option(tcp::no_delay(true), ignored);
    auto c = std::make_shared<Connection>(*this, std::move(sock));
    add_connection(c);
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
}

void Server::Impl::add_connection(const std::shared_ptr<Connection>& c) {
  std::lock_guard lock(conns_mu);
  conns.emplace(c.get(), c);
}

void Server::Impl::remove_connection(Connection* c) {
  bool drained;
  {
    std::lock_guard lock(conns_mu);
    conns.erase(c);
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
    access_log.info("shutting down", {{"timeout_ms", static_cast<std::int64_t>(opts.shutdown_timeout.count())}});
    asio::post(*ioc, [this] { begin_drain(); });
  }
}

void Server::Impl::begin_drain() {
  boost::system::error_code ec;
  if (acceptor) acceptor->close(ec);
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
  {
    std::lock_guard lock(conns_mu);
    if (!conns.empty()) return;
  }
  if (drain_timer) drain_timer->cancel();
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
               metrics::Registry& metrics, obs::Logger& logger)
    : impl_(std::make_unique<Impl>(std::move(options), router, std::move(authenticator), health, metrics, logger)) {}

Server::~Server() = default;

Status Server::start() { return impl_->start(); }
std::uint16_t Server::bound_port() const { return impl_->port.load(); }
void Server::wait() { impl_->wait(); }
void Server::shutdown() { impl_->shutdown(); }
bool Server::shutting_down() const { return impl_->shutting_down.load(); }

}  // namespace vault::http
