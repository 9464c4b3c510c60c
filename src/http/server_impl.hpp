#pragma once
/// Internals of Server shared by server.cpp and connection.cpp (the only
/// translation units that see Asio/Beast; see beast_pch.hpp).
#include "http/beast_pch.hpp"
#include "http/body_budget.hpp"
#include "http/dispatch.hpp"
#include "http/exchange.hpp"
#include "http/pipeline.hpp"
#include "vault/core/worker_pool.hpp"
#include "vault/core/clock.hpp"
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

/// Which socket a connection came from.
enum class Listener { Api, Admin };

/// Connections being refused (503) at once; beyond, refused ones are just closed.
inline constexpr int kMaxRefusing = 64;
/// Open admin-listener connections; beyond, new ones are closed.
inline constexpr std::size_t kMaxAdminConnections = 64;

/// Histogram children cached per route (method and endpoint are fixed).
struct RouteMetrics {
  metrics::Histogram* duration = nullptr;
  metrics::Histogram* request_size = nullptr;
  metrics::Histogram* response_size = nullptr;
  metrics::Gauge* active = nullptr;
};

struct Server::Impl {
  Impl(ServerOptions o, Router& r, Authenticator a, obs::HealthRegistry& h, metrics::Registry& m,
       obs::Logger& l, const Clock& c = system_clock());
  ~Impl();

  Status start();
  void wait();
  void shutdown();

  // Called by connections.
  void add_connection(const std::shared_ptr<Connection>& c, Listener l);
  /// At the connection cap: closes the API connections that sit idle between
  /// keep-alive requests (as nginx reuses keep-alive connections when it runs
  /// out), at most once a second, so idle clients cannot hold every slot;
  /// one still writing its last answer closes when that is done.
  /// Called from the API accept loop only.
  void reclaim_idle_connections();
  Clock::steady_time last_reclaim{};  // API accept loop only
  void remove_connection(Connection* c, Listener l);
  /// The authentication stage (headers only): authorize() for the route's
  /// options; /metrics on the API listener needs the metrics token or the
  /// platform admin key; nothing on the admin listener (built-ins only).
  Status authenticate(Request& req, const Route& route, Listener l) const;
  RouteMetrics route_metrics(const Route* route, std::string_view method, std::string_view endpoint);
  bool is_inline(const Route* r) const { return inline_routes.contains(r); }

  ServerOptions opts;
  const Clock& clock;  ///< decides idle reclaim and request deadlines
  Router& router;
  Router builtin;
  std::unordered_set<const Route*> inline_routes;
  const Route* ready_route = nullptr;
  const Route* metrics_route = nullptr;
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
  metrics::GaugeFamily* active_requests;
  metrics::Gauge* active_connections;
  metrics::Gauge* max_connections;
  metrics::Gauge* buffered_body_bytes;
  metrics::Counter* unhandled_exceptions;
  std::unordered_map<const Route*, RouteMetrics> cached_route_metrics;  // filled in start(), read-only after

  /// From shutdown(): readiness 503, every answer says Connection: close.
  std::atomic<bool> shutting_down{false};
  /// From begin_drain() (after opts.drain_delay): listeners closed, idle
  /// connections stop reading requests.
  std::atomic<bool> closing{false};
  std::atomic<bool> started{false};
  std::atomic<std::uint16_t> port{0};
  std::atomic<std::uint16_t> admin_port{0};
  BodyBudget body_budget;
  std::atomic<int> refusing{0};  // connections being answered 503 at accept

  std::mutex conns_mu;
  std::unordered_map<Connection*, std::weak_ptr<Connection>> conns;
  std::size_t api_conns = 0;    // under conns_mu
  std::size_t admin_conns = 0;  // under conns_mu

  std::unique_ptr<WorkerPool> pool;
  /// What happens to each request (server_pipeline.cpp), one per listener;
  /// built in start().
  std::optional<Pipeline> api_pipeline;
  std::optional<Pipeline> admin_pipeline;
  const Pipeline& pipeline(Listener l) const { return l == Listener::Api ? *api_pipeline : *admin_pipeline; }
  /// The stages in order, wired to this server (server_pipeline.cpp).
  Pipeline build_pipeline(Listener l);
  std::unique_ptr<asio::io_context> ioc;
  std::optional<tcp::acceptor> acceptor;
  std::optional<tcp::acceptor> admin_acceptor;
  std::optional<asio::steady_timer> drain_timer;
  std::optional<asio::steady_timer> drain_delay_timer;  ///< the drain window before begin_drain()
  bool draining = false;  // ioc thread only
  std::vector<std::thread> io_threads;

  std::atomic<bool> stopped{false};  // io threads joined
  std::once_flag wait_once;

 private:
  asio::awaitable<void> accept_loop(tcp::acceptor& acc, Listener l);
  /// Spawns the connection for an accepted socket (or refuses it over the cap).
  void serve_socket(tcp::socket sock, Listener l);
  /// Opens, binds and listens `acc` on host:port; ConfigurationError naming `what`.
  Status listen(tcp::acceptor& acc, const std::string& host, std::uint16_t port, const char* what);
  void begin_drain();        // on the io_context
  void force_close_all();    // on the io_context
  void check_drained();      // on the io_context
};

}  // namespace vault::http
