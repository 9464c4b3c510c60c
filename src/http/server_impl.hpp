#pragma once
/// Internals of Server shared by server.cpp and connection.cpp (the only
/// translation units that see Asio/Beast; see beast_pch.hpp).
#include "http/beast_pch.hpp"
#include "http/dispatch.hpp"
#include "http/exchange.hpp"
#include "http/worker_pool.hpp"
#include "vault/http/server.hpp"

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace vault::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

class Connection;

/// Histogram children cached per route (method and endpoint are fixed).
struct RouteMetrics {
  metrics::Histogram* duration = nullptr;
  metrics::Histogram* request_size = nullptr;
  metrics::Histogram* response_size = nullptr;
};

struct Server::Impl {
  Impl(ServerOptions o, Router& r, Authenticator a, obs::HealthRegistry& h, metrics::Registry& m,
       obs::Logger& l);
  ~Impl();

  Status start();
  void wait();
  void shutdown();

  // Called by connections.
  void add_connection(const std::shared_ptr<Connection>& c);
  void remove_connection(Connection* c);
  RouteMetrics route_metrics(const Route* route, std::string_view method, std::string_view endpoint);
  bool is_inline(const Route* r) const { return inline_routes.contains(r); }

  ServerOptions opts;
  Router& router;
  Router builtin;
  std::unordered_set<const Route*> inline_routes;
  const Route* ready_route = nullptr;
  Authenticator authenticator;
  obs::HealthRegistry& health;
  metrics::Registry& registry;
  obs::Logger& logger;
  obs::Logger access_log;
  DispatchDeps deps;

  metrics::CounterFamily* requests_total;
  metrics::HistogramFamily* duration;
  metrics::HistogramFamily* request_size;
  metrics::HistogramFamily* response_size;
  metrics::Gauge* active_requests;
  metrics::Counter* unhandled_exceptions;
  std::unordered_map<const Route*, RouteMetrics> cached_route_metrics;  // filled in start(), read-only after

  std::atomic<bool> shutting_down{false};
  std::atomic<bool> started{false};
  std::atomic<std::uint16_t> port{0};

  std::mutex conns_mu;
  std::unordered_map<Connection*, std::weak_ptr<Connection>> conns;

  std::unique_ptr<WorkerPool> pool;
  std::unique_ptr<asio::io_context> ioc;
  std::optional<tcp::acceptor> acceptor;
  std::optional<asio::steady_timer> drain_timer;
  bool draining = false;  // ioc thread only
  std::vector<std::thread> io_threads;

  std::atomic<bool> stopped{false};  // io threads joined
  std::once_flag wait_once;

 private:
  asio::awaitable<void> accept_loop();
  void begin_drain();        // on the io_context
  void force_close_all();    // on the io_context
  void check_drained();      // on the io_context
};

}  // namespace vault::http
