// The server's time-dependent behaviour driven by an injected ManualClock
// instead of sleeping: idle keep-alive connections are reclaimed at the
// connection cap at most once a second (of the server's clock).
#include "vault/core/clock.hpp"
#include "vault/http/server.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <gtest/gtest.h>

#include <cerrno>
#include <memory>
#include <sys/socket.h>
#include <sys/time.h>

namespace vault::http {
namespace {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

class Conn {
 public:
  explicit Conn(std::uint16_t port) { sock_.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port)); }
  /// GET /health/live on this connection: the status, or 0 when the
  /// connection was closed.
  int live() {
    try {
      asio::write(sock_, asio::buffer(std::string_view("GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n")));
      bhttp::response<bhttp::string_body> res;
      bhttp::read(sock_, buf_, res);
      return static_cast<int>(res.result_int());
    } catch (const boost::system::system_error&) {
      return 0;
    }
  }
  /// True when the server closes the connection within 5 s; false when it
  /// stays open (no byte is expected).
  bool closed_by_server(int seconds = 5) {
    timeval tv{seconds, 0};
    ::setsockopt(sock_.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    char byte;
    for (;;) {
      const auto n = ::recv(sock_.native_handle(), &byte, 1, 0);
      if (n == 0) return true;
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return errno != EAGAIN && errno != EWOULDBLOCK;
    }
  }

 private:
  asio::io_context ioc_;
  tcp::socket sock_{ioc_};
  boost::beast::flat_buffer buf_;
};

/// Moves the server's clock a second on and opens one connection over the
/// cap (503), which reclaims `held`: at once if it is idle, else as soon as
/// it has finished writing its last answer (which the client may already
/// have read).
bool reclaimed_next_second(ManualClock& clock, std::uint16_t port, Conn& held) {
  clock.advance(std::chrono::seconds(1));
  Conn x(port);
  EXPECT_EQ(x.live(), 503);
  return held.closed_by_server(5);
}

TEST(ServerClock, IdleConnectionsAreReclaimedAtMostOnceASecondOfTheServersClock) {
  ManualClock clock;
  Router router;
  obs::HealthRegistry health;
  health.mark_started();
  metrics::Registry registry;
  obs::Logger logger{"test", obs::LogLevel::Error, [](std::string_view) {}};
  ServerOptions o;
  o.port = 0;
  o.max_connections = 1;
  Server server(o, router, Authenticator{}, health, registry, logger, clock);
  ASSERT_TRUE(server.start());
  const auto port = server.bound_port();

  auto a = std::make_unique<Conn>(port);
  ASSERT_EQ(a->live(), 200);
  EXPECT_TRUE(reclaimed_next_second(clock, port, *a));
  a.reset();

  // The slot frees once the server has noticed the close; the clock stands still.
  std::unique_ptr<Conn> b;
  for (int i = 0; i < 1000 && !b; ++i) {
    auto c = std::make_unique<Conn>(port);
    if (c->live() == 200) b = std::move(c);
  }
  ASSERT_TRUE(b);
  {  // within the same second of the server's clock as the last reclaim: none
    Conn x(port);
    EXPECT_EQ(x.live(), 503);
  }
  EXPECT_EQ(b->live(), 200);  // still open

  // A second later there is one.
  EXPECT_TRUE(reclaimed_next_second(clock, port, *b));
  server.shutdown();
  server.wait();
}

}  // namespace
}  // namespace vault::http
