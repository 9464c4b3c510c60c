// In-process server tests with a small synchronous Beast client.
#include "vault/http/server.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/json/parse.hpp>
#include "vault/core/cancellation.hpp"

#include <gtest/gtest.h>
#if defined(__SANITIZE_ADDRESS__)
// From the ASan runtime (g++ ships no header for it).
extern "C" std::size_t __sanitizer_get_current_allocated_bytes();
#endif

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <future>
#include <latch>
#include <mutex>
#include <thread>
#include <unistd.h>

namespace vault::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using HttpResponse = bhttp::response<bhttp::string_body>;

/// Blocking HTTP/1.1 client on one connection.
class Client {
 public:
  explicit Client(std::uint16_t port) { sock_.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port)); }

  HttpResponse send(std::string method, std::string target, std::string body = {},
                    std::vector<std::pair<std::string, std::string>> headers = {}) {
    bhttp::request<bhttp::string_body> req(bhttp::string_to_verb(method), target, 11);
    if (req.method() == bhttp::verb::unknown) req.method_string(method);
    req.set(bhttp::field::host, "127.0.0.1");
    for (auto& [k, v] : headers) req.set(k, v);
    req.body() = std::move(body);
    req.prepare_payload();
    bhttp::write(sock_, req);
    return read();
  }
  HttpResponse read() {
    bhttp::response_parser<bhttp::string_body> p;
    p.body_limit(boost::none);
    bhttp::read(sock_, buf_, p);
    return p.release();
  }
  void write_raw(std::string_view data) { asio::write(sock_, asio::buffer(data)); }
  tcp::socket& socket() { return sock_; }
  beast::flat_buffer& buffer() { return buf_; }

 private:
  asio::io_context ioc_;
  tcp::socket sock_{ioc_};
  beast::flat_buffer buf_;
};

bool can_connect(std::uint16_t port) {
  asio::io_context ioc;
  tcp::socket s(ioc);
  boost::system::error_code ec;
  s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), ec);
  return !ec;
}

boost::json::object error_of(const HttpResponse& r) {
  auto v = boost::json::parse(r.body()).as_object();
  EXPECT_EQ(v.size(), 1u);
  return v.at("error").as_object();
}

void expect_error_shape(const HttpResponse& r, int status, const std::string& code, const std::string& type) {
  EXPECT_EQ(static_cast<int>(r.result_int()), status);
  EXPECT_EQ(r[bhttp::field::content_type], "application/json");
  auto e = error_of(r);
  EXPECT_EQ(e.size(), 9u);
  for (const char* k : {"code", "type", "message", "details", "trace_id", "span_id", "timestamp", "retry_after",
                        "documentation_url"}) {
    EXPECT_TRUE(e.contains(k)) << k;
  }
  EXPECT_EQ(e.at("code").as_string(), code);
  EXPECT_EQ(e.at("type").as_string(), type);
  std::string lower = code;
  for (char& c : lower) c = static_cast<char>(std::tolower(c));
  EXPECT_EQ(e.at("documentation_url").as_string(), "/docs/error-codes.md#" + lower);
  // The error's trace id is the one returned in traceparent.
  std::string tp(r["traceparent"]);
  ASSERT_EQ(tp.size(), 55u);
  EXPECT_EQ(e.at("trace_id").as_string(), tp.substr(3, 32));
  EXPECT_EQ(e.at("span_id").as_string(), tp.substr(36, 16));
}

/// Memory the process uses now, in KiB: resident set size, or under
/// AddressSanitizer the live heap (its quarantine of freed blocks would
/// otherwise count as growth).
long rss_kib() {
#if defined(__SANITIZE_ADDRESS__)
  return static_cast<long>(__sanitizer_get_current_allocated_bytes() / 1024);
#else
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::atol(line.c_str() + 6);
  }
  return 0;
#endif
}

struct LogCapture {
  std::mutex mu;
  std::vector<std::string> lines;
  obs::LogSink sink() {
    return [this](std::string_view l) {
      std::lock_guard lock(mu);
      lines.emplace_back(l);
    };
  }
  bool contains(std::string_view needle) {
    std::lock_guard lock(mu);
    for (auto& l : lines) {
      if (l.find(needle) != std::string::npos) return true;
    }
    return false;
  }
};

Authenticator test_auth() {
  return [](std::string_view token) -> Result<Principal> {
    if (token == "reader-key") return Principal{"tn_a", "key_r", storage::Role::Reader, false, {}};
    if (token == "writer-key") return Principal{"tn_a", "key_w", storage::Role::Writer, false, {}};
    if (token == "root-key") return Principal{"tn_system", "key_root", storage::Role::Admin, true, {}};
    return fail(ErrorKind::Authentication, "invalid API key");
  };
}

constexpr const char* kMetricsToken = "metrics-token-for-tests";
const std::vector<std::pair<std::string, std::string>> kRootAuth = {{"Authorization", "Bearer root-key"}};

RouteOptions open_route() {
  RouteOptions o;
  o.authenticated = false;
  return o;
}

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    RouteOptions open = open_route();
    router.add(
        "GET", "/echo",
        [this](Request& req) {
          last_ctx = req.ctx;
          return Response::json(200, boost::json::object{{"path", req.path},
                                                         {"q", req.param("q").value_or("")},
                                                         {"request_id", req.ctx.request_id}});
        },
        open);
    router.add(
        "POST", "/echo", [](Request& req) { return Response::json(200, boost::json::object{{"size", req.body.size()}}); },
        open);
    router.add(
        "GET", "/items/{id}",
        [](Request& req) { return Response::json(200, boost::json::object{{"id", req.path_params.at("id")}}); },
        open);
    router.add(
        "GET", "/throw", [](Request&) -> Response { throw std::runtime_error("boom at the handler"); }, open);
    router.add(
        "GET", "/vault-error",
        [](Request&) -> Response { throw VaultException(Error(ErrorKind::DatasetNotFound, "no such dataset")); },
        open);
    RouteOptions writer;
    writer.min_role = storage::Role::Writer;
    router.add(
        "GET", "/secure",
        [](Request& req) { return Response::json(200, boost::json::object{{"tenant", req.ctx.tenant_id}}); },
        writer);
    RouteOptions admin;
    admin.admin_only = true;
    router.add("GET", "/platform", [](Request&) { return Response::empty(204); }, admin);
    RouteOptions stream = open;
    stream.stream_request = true;
    router.add(
        "POST", "/upload",
        [this](Request& req) {
          std::size_t total = 0, max_piece = 0, pieces = 0;
          long rss_start = 0, rss_peak = 0;
          while (auto piece = req.body_stream->read()) {
            if (pieces == 0) rss_start = rss_kib();
            total += piece->size();
            max_piece = std::max(max_piece, piece->size());
            if (++pieces % 32 == 0) rss_peak = std::max(rss_peak, rss_kib());
          }
          upload_rss_growth_kib = rss_peak > rss_start ? rss_peak - rss_start : 0;
          return Response::json(200, boost::json::object{{"bytes", total}, {"max_piece", max_piece}});
        },
        stream);
    router.add(
        "GET", "/download",
        [](Request&) {
          Response r;
          r.content_type = "application/x-ndjson";
          r.stream = [](BodySink& sink) {
            for (int i = 0; i < 100; ++i) sink.write(std::string(9999, static_cast<char>('a' + i % 26)) + "\n");
          };
          return r;
        },
        open);
    router.add(
        "GET", "/endless",
        [this](Request&) {
          Response r;
          r.stream = [this](BodySink& sink) {
            try {
              for (;;) sink.write(std::string(64 << 10, 'x'));
            } catch (...) {
              endless_unwound.count_down();
              throw;
            }
          };
          return r;
        },
        open);
    router.add(
        "GET", "/stream-fails-early",
        [](Request&) {
          Response r;
          r.stream = [](BodySink&) { throw VaultException(Error(ErrorKind::VersionNotFound, "no version")); };
          return r;
        },
        open);

    health.add("db", [] { return Status{}; });
    health.mark_started();
    ServerOptions opts;
    opts.port = 0;
    opts.io_threads = 2;
    opts.worker_threads = 4;
    opts.max_body_bytes = 1 << 20;
    opts.metrics_token = kMetricsToken;
    server = std::make_unique<Server>(opts, router, test_auth(), health, registry, logger);
    auto st = server->start();
    ASSERT_TRUE(st) << st.error().message();
    port = server->bound_port();
    ASSERT_NE(port, 0);
  }
  void TearDown() override {
    if (server) {
      server->shutdown();
      server->wait();
    }
  }

  Router router;
  obs::HealthRegistry health;
  metrics::Registry registry;
  LogCapture logs;
  obs::Logger logger{"test", obs::LogLevel::Info, logs.sink()};
  std::unique_ptr<Server> server;
  std::uint16_t port = 0;
  RequestContext last_ctx;
  long upload_rss_growth_kib = -1;
  std::latch endless_unwound{1};
};

TEST_F(ServerTest, KeepAliveServesManyRequestsOnOneConnection) {
  Client c(port);
  for (int i = 0; i < 5; ++i) {
    auto r = c.send("GET", "/echo?q=hello%20world");
    ASSERT_EQ(r.result_int(), 200u);
    EXPECT_TRUE(r.keep_alive());
    auto v = boost::json::parse(r.body()).as_object();
    EXPECT_EQ(v.at("q").as_string(), "hello world");
    EXPECT_EQ(v.at("path").as_string(), "/echo");
  }
  auto r = c.send("POST", "/echo", std::string(1000, 'x'));
  EXPECT_EQ(boost::json::parse(r.body()).as_object().at("size").as_int64(), 1000);
  r = c.send("GET", "/items/it%2042");
  EXPECT_EQ(boost::json::parse(r.body()).as_object().at("id").as_string(), "it 42");
}

TEST_F(ServerTest, UnknownRouteIs404InErrorShape) {
  Client c(port);
  auto r = c.send("GET", "/nope");
  expect_error_shape(r, 404, "VAULT_ERR_0026", "RouteNotFoundError");
  // The connection stays usable.
  EXPECT_EQ(c.send("GET", "/echo").result_int(), 200u);
}

TEST_F(ServerTest, WrongMethodIs405WithAllow) {
  Client c(port);
  auto r = c.send("DELETE", "/echo");
  expect_error_shape(r, 405, "VAULT_ERR_0030", "MethodNotAllowedError");
  EXPECT_EQ(r[bhttp::field::allow], "GET, POST");
  r = c.send("POST", "/health/live");
  expect_error_shape(r, 405, "VAULT_ERR_0030", "MethodNotAllowedError");
  EXPECT_EQ(r[bhttp::field::allow], "GET");
}

TEST_F(ServerTest, OversizedBodyIs413) {
  {
    Client c(port);
    auto r = c.send("POST", "/echo", std::string((1 << 20) + 1, 'x'));  // Content-Length announces too much
    expect_error_shape(r, 413, "VAULT_ERR_0050", "PayloadTooLargeError");
    EXPECT_FALSE(r.keep_alive());
  }
  {
    Client c(port);  // chunked: discovered while reading
    std::string head = "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
    c.write_raw(head);
    std::string chunk(64 << 10, 'y');
    char size_line[32];
    std::snprintf(size_line, sizeof size_line, "%zx\r\n", chunk.size());
    boost::system::error_code ec;
    for (int i = 0; i < 20 && !ec; ++i) {
      asio::write(c.socket(), asio::buffer(std::string(size_line) + chunk + "\r\n"), ec);
    }
    auto r = c.read();
    expect_error_shape(r, 413, "VAULT_ERR_0050", "PayloadTooLargeError");
  }
  // The server is fine afterwards.
  Client c(port);
  EXPECT_EQ(c.send("GET", "/echo").result_int(), 200u);
}

TEST_F(ServerTest, MalformedRequestIs400ThenClose) {
  Client c(port);
  c.write_raw("this is not http\r\n\r\n");
  auto r = c.read();
  expect_error_shape(r, 400, "VAULT_ERR_0003", "MalformedRequestError");
  EXPECT_FALSE(r.keep_alive());
  // Oversized headers are refused in the same shape.
  Client c2(port);
  c2.write_raw("GET /echo HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(20000, 'b') + "\r\n\r\n");
  expect_error_shape(c2.read(), 413, "VAULT_ERR_0050", "PayloadTooLargeError");
}

TEST_F(ServerTest, HandlerExceptionIs9999AndServingContinues) {
  Client c(port);
  auto r = c.send("GET", "/throw");
  expect_error_shape(r, 500, "VAULT_ERR_9999", "UnknownError");
  auto trace_id = std::string(error_of(r).at("trace_id").as_string());
  EXPECT_EQ(error_of(r).at("message").as_string().find("boom"), std::string::npos);  // what() is not leaked
  EXPECT_EQ(c.send("GET", "/echo").result_int(), 200u);
  EXPECT_TRUE(logs.contains("boom at the handler"));
  EXPECT_TRUE(logs.contains(trace_id));
  auto m = c.send("GET", "/metrics", "", kRootAuth).body();
  EXPECT_NE(m.find("vault_unhandled_exceptions_total 1\n"), std::string::npos);

  r = c.send("GET", "/vault-error");
  expect_error_shape(r, 404, "VAULT_ERR_0021", "DatasetNotFoundError");
  EXPECT_EQ(error_of(r).at("message").as_string(), "no such dataset");
}

TEST_F(ServerTest, AuthenticationAndAuthorization) {
  Client c(port);
  expect_error_shape(c.send("GET", "/secure"), 401, "VAULT_ERR_0010", "AuthenticationError");
  expect_error_shape(c.send("GET", "/secure", "", {{"Authorization", "Bearer wrong"}}), 401, "VAULT_ERR_0010",
                     "AuthenticationError");
  expect_error_shape(c.send("GET", "/secure", "", {{"Authorization", "Bearer reader-key"}}), 403, "VAULT_ERR_0011",
                     "AuthorizationError");
  auto r = c.send("GET", "/secure", "", {{"Authorization", "Bearer writer-key"}});
  ASSERT_EQ(r.result_int(), 200u);
  EXPECT_EQ(boost::json::parse(r.body()).as_object().at("tenant").as_string(), "tn_a");
  expect_error_shape(c.send("GET", "/platform", "", {{"Authorization", "Bearer writer-key"}}), 403, "VAULT_ERR_0011",
                     "AuthorizationError");
  EXPECT_EQ(c.send("GET", "/platform", "", {{"Authorization", "Bearer root-key"}}).result_int(), 204u);
  // The access log carries the tenant.
  EXPECT_TRUE(logs.contains(R"("tenant_id":"tn_a")"));
}

TEST_F(ServerTest, StreamingUploadUsesConstantMemory) {
  constexpr std::size_t kTotal = 50u << 20;  // far above max_body_bytes (1 MiB)
  Client c(port);
  c.write_raw("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(kTotal) + "\r\n\r\n");
  const std::string piece(1 << 20, 'z');
  for (std::size_t sent = 0; sent < kTotal; sent += piece.size()) c.write_raw(piece);
  auto r = c.read();
  ASSERT_EQ(r.result_int(), 200u) << r.body();
  auto v = boost::json::parse(r.body()).as_object();
  EXPECT_EQ(v.at("bytes").as_int64(), static_cast<std::int64_t>(kTotal));
  EXPECT_LE(v.at("max_piece").as_int64(), 1 << 20);
  EXPECT_GE(upload_rss_growth_kib, 0);
  EXPECT_LT(upload_rss_growth_kib, 20 * 1024) << "resident memory grew while streaming";
  // Chunked uploads stream too, and the connection is reusable afterwards.
  c.write_raw("POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
  for (int i = 0; i < 8; ++i) c.write_raw("100000\r\n" + piece + "\r\n");
  c.write_raw("0\r\n\r\n");
  r = c.read();
  ASSERT_EQ(r.result_int(), 200u);
  EXPECT_EQ(boost::json::parse(r.body()).as_object().at("bytes").as_int64(), 8 << 20);
  EXPECT_EQ(c.send("GET", "/echo").result_int(), 200u);
}

TEST_F(ServerTest, StreamingDownloadIsChunked) {
  Client c(port);
  auto r = c.send("GET", "/download");
  ASSERT_EQ(r.result_int(), 200u);
  EXPECT_TRUE(r.chunked());
  EXPECT_EQ(r[bhttp::field::content_type], "application/x-ndjson");
  EXPECT_EQ(r.body().size(), 100u * 10000u);
  EXPECT_EQ(r.body().substr(0, 3), "aaa");
  EXPECT_EQ(r.body().substr(10000, 3), "bbb");
  EXPECT_EQ(r["traceparent"].size(), 55u);
  EXPECT_EQ(c.send("GET", "/echo").result_int(), 200u);  // keep-alive after a stream

  // A stream failing before its first byte still gets a proper error.
  expect_error_shape(c.send("GET", "/stream-fails-early"), 404, "VAULT_ERR_0023", "VersionNotFoundError");
}

TEST_F(ServerTest, ClientGoneUnwindsStreamingHandler) {
  {
    Client c(port);
    c.write_raw("GET /endless HTTP/1.1\r\nHost: x\r\n\r\n");
    char buf[4096];
    c.socket().read_some(asio::buffer(buf));  // the stream started
  }  // client disconnects
  endless_unwound.wait();  // the handler's write threw and it unwound
  Client c(port);
  EXPECT_EQ(c.send("GET", "/echo").result_int(), 200u);
}

TEST_F(ServerTest, TraceparentAndRequestId) {
  Client c(port);
  const std::string incoming = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
  auto r = c.send("GET", "/echo", "", {{"traceparent", incoming}, {"X-Request-ID", "req-abc.123"}});
  ASSERT_EQ(r.result_int(), 200u);
  std::string tp(r["traceparent"]);
  ASSERT_EQ(tp.size(), 55u);
  EXPECT_EQ(tp.substr(0, 36), "00-0af7651916cd43dd8448eb211c80319c-");
  EXPECT_NE(tp.substr(36, 16), "b7ad6b7169203331");  // our own span
  EXPECT_EQ(tp.substr(52), "-01");
  EXPECT_EQ(last_ctx.trace_id, "0af7651916cd43dd8448eb211c80319c");
  EXPECT_EQ(last_ctx.parent_span_id, "b7ad6b7169203331");
  EXPECT_EQ(last_ctx.span_id, tp.substr(36, 16));
  EXPECT_EQ(r["X-Request-ID"], "req-abc.123");
  EXPECT_GT(last_ctx.deadline, std::chrono::steady_clock::now() - std::chrono::hours(1));

  // Invalid or missing: a new trace and a generated request id.
  r = c.send("GET", "/echo", "", {{"traceparent", "00-00000000000000000000000000000000-b7ad6b7169203331-01"},
                                  {"X-Request-ID", "bad id with spaces"}});
  tp = std::string(r["traceparent"]);
  ASSERT_EQ(tp.size(), 55u);
  EXPECT_NE(tp.substr(3, 32), "00000000000000000000000000000000");
  EXPECT_TRUE(last_ctx.parent_span_id.empty());
  EXPECT_EQ(r["X-Request-ID"].size(), 32u);
  EXPECT_NE(r["X-Request-ID"], "bad id with spaces");
}

TEST_F(ServerTest, HealthEndpoints) {
  Client c(port);
  auto r = c.send("GET", "/health/live");
  ASSERT_EQ(r.result_int(), 200u);
  EXPECT_EQ(boost::json::parse(r.body()).as_object().at("status").as_string(), "alive");
  r = c.send("GET", "/health/ready");
  ASSERT_EQ(r.result_int(), 200u);
  auto v = boost::json::parse(r.body()).as_object();
  EXPECT_EQ(v.at("status").as_string(), "ready");
  EXPECT_EQ(v.at("checks").as_object().at("db").as_object().at("status").as_string(), "healthy");
  r = c.send("GET", "/health/startup");
  ASSERT_EQ(r.result_int(), 200u);
  EXPECT_EQ(boost::json::parse(r.body()).as_object().at("status").as_string(), "started");
}

TEST_F(ServerTest, MetricsEndpoint) {
  Client c(port);
  c.send("GET", "/echo");
  c.send("GET", "/items/secret-id-123");
  c.send("GET", "/nope");
  // Not public: the metrics token or the platform admin key.
  expect_error_shape(c.send("GET", "/metrics"), 401, "VAULT_ERR_0010", "AuthenticationError");
  expect_error_shape(c.send("GET", "/metrics", "", {{"Authorization", "Bearer wrong-token"}}), 401,
                     "VAULT_ERR_0010", "AuthenticationError");
  expect_error_shape(c.send("GET", "/metrics", "", {{"Authorization", "Bearer writer-key"}}), 403,
                     "VAULT_ERR_0011", "AuthorizationError");
  EXPECT_EQ(c.send("GET", "/metrics", "", kRootAuth).result_int(), 200u);
  auto r = c.send("GET", "/metrics", "", {{"Authorization", std::string("Bearer ") + kMetricsToken}});
  ASSERT_EQ(r.result_int(), 200u);
  EXPECT_EQ(std::string(r[bhttp::field::content_type]).rfind("text/plain; version=0.0.4", 0), 0u);
  const std::string& m = r.body();
  EXPECT_NE(m.find(R"(vault_requests_total{method="GET",endpoint="/echo",status="200"} 1)"), std::string::npos) << m;
  EXPECT_NE(m.find(R"(vault_requests_total{method="GET",endpoint="/metrics",status="401"} 2)"), std::string::npos);
  EXPECT_NE(m.find("vault_active_connections 1\n"), std::string::npos);
  EXPECT_NE(m.find("vault_max_connections 1024\n"), std::string::npos);
  EXPECT_NE(m.find("vault_buffered_body_bytes 0\n"), std::string::npos);
  EXPECT_NE(m.find(R"(vault_requests_total{method="GET",endpoint="/items/{id}",status="200"} 1)"), std::string::npos);
  EXPECT_NE(m.find(R"(vault_requests_total{method="GET",endpoint="unmatched",status="404"} 1)"), std::string::npos);
  EXPECT_EQ(m.find("secret-id-123"), std::string::npos);  // never a raw id in a label
  EXPECT_NE(m.find(R"(vault_request_duration_seconds_bucket{method="GET",endpoint="/echo",le="+Inf"} 1)"),
            std::string::npos);
  EXPECT_NE(m.find("vault_request_size_bytes_count"), std::string::npos);
  EXPECT_NE(m.find("vault_response_size_bytes_count"), std::string::npos);
  EXPECT_NE(m.find(R"(vault_active_requests{method="GET",endpoint="/metrics"} 1)"), std::string::npos);  // this very request

  if (std::system("command -v promtool >/dev/null 2>&1") == 0) {
    char path[] = "/tmp/vault_http_metrics_XXXXXX";
    int fd = mkstemp(path);
    ASSERT_GE(fd, 0);
    close(fd);
    std::ofstream(path) << m;
    int rc = std::system((std::string("promtool check metrics < ") + path + " >/dev/null 2>&1").c_str());
    std::remove(path);
    EXPECT_EQ(rc, 0) << m;
  }
}

TEST_F(ServerTest, AccessLogLine) {
  Client c(port);
  c.send("GET", "/echo", "", {{"X-Request-ID", "log-check-1"}});
  // The line is written after the response: wait for it without timing assumptions.
  for (int i = 0; i < 2000 && !logs.contains("log-check-1"); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  std::string line;
  {
    std::lock_guard lock(logs.mu);
    for (auto& l : logs.lines) {
      if (l.find("log-check-1") != std::string::npos) line = l;
    }
  }
  ASSERT_FALSE(line.empty());
  auto v = boost::json::parse(line).as_object();
  EXPECT_EQ(v.at("logger").as_string(), "http");
  auto& f = v.at("fields").as_object();
  EXPECT_EQ(f.at("method").as_string(), "GET");
  EXPECT_EQ(f.at("endpoint").as_string(), "/echo");
  EXPECT_EQ(f.at("status").as_int64(), 200);
  EXPECT_TRUE(f.contains("duration_ms"));
  EXPECT_TRUE(f.contains("bytes"));
  EXPECT_EQ(v.at("trace_id").as_string().size(), 32u);
  EXPECT_EQ(v.at("span_id").as_string().size(), 16u);
}

// ---- servers with special settings ----------------------------------------

struct MiniServer {
  Router router;
  obs::HealthRegistry health;
  metrics::Registry registry;
  obs::Logger logger{"test", obs::LogLevel::Error, [](std::string_view) {}};
  std::unique_ptr<Server> server;
  std::uint16_t port = 0;
  Authenticator auth = test_auth();
  void start(ServerOptions opts) {
    health.mark_started();
    opts.port = 0;
    server = std::make_unique<Server>(opts, router, auth, health, registry, logger);
    auto st = server->start();
    ASSERT_TRUE(st) << st.error().message();
    port = server->bound_port();
  }
};

TEST(ServerOverload, FullPoolAnswers503AtOnce) {
  MiniServer s;
  std::latch started(1), release(1);
  s.router.add(
      "GET", "/block",
      [&](Request&) {
        started.count_down();
        release.wait();
        return Response::empty(204);
      },
      open_route());
  ServerOptions o;
  o.worker_threads = 1;
  o.worker_queue_limit = 0;
  s.start(o);
  Client a(s.port);
  a.write_raw("GET /block HTTP/1.1\r\nHost: x\r\n\r\n");
  started.wait();
  Client b(s.port);
  auto r = b.send("GET", "/block");
  expect_error_shape(r, 503, "VAULT_ERR_3003", "OverloadedError");
  EXPECT_EQ(r[bhttp::field::retry_after], "1");
  EXPECT_EQ(error_of(r).at("retry_after").as_int64(), 1);
  release.count_down();
  EXPECT_EQ(a.read().result_int(), 204u);
}

TEST(ServerShutdown, GracefulDrainsInFlightAndRefusesNewConnections) {
  MiniServer s;
  std::latch started(1);
  s.router.add(
      "GET", "/slow",
      [&](Request&) {
        started.count_down();
        std::this_thread::sleep_for(std::chrono::seconds(1));
        return Response::json(200, boost::json::object{{"slow", true}});
      },
      open_route());
  ServerOptions o;
  o.shutdown_timeout = std::chrono::seconds(30);
  s.start(o);
  Client idle(s.port);
  ASSERT_EQ(idle.send("GET", "/health/live").result_int(), 200u);
  Client a(s.port);
  a.write_raw("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n");
  started.wait();
  std::thread stopper([&] { s.server->shutdown(); });
  stopper.join();
  EXPECT_TRUE(s.server->shutting_down());
  EXPECT_EQ(s.health.check_all().status, "not_ready");
  // The listener closes (asynchronously, but promptly).
  bool refused = false;
  for (int i = 0; i < 5000 && !refused; ++i) {
    refused = !can_connect(s.port);
    if (!refused) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  EXPECT_TRUE(refused);
  auto r = a.read();
  EXPECT_EQ(r.result_int(), 200u);
  EXPECT_FALSE(r.keep_alive());  // connection closes after the drained request
  // The idle keep-alive connection was closed by the server.
  boost::system::error_code ec;
  char byte;
  idle.socket().read_some(asio::buffer(&byte, 1), ec);
  EXPECT_TRUE(ec);
  s.server->wait();
}

TEST(ServerShutdown, TheDrainWindowServesEveryoneWithConnectionCloseThenCloses) {
  MiniServer s;
  s.router.add("GET", "/x", [](Request&) { return Response::json(200, boost::json::object{{"x", 1}}); },
               open_route());
  ServerOptions o;
  o.drain_delay = std::chrono::milliseconds(1500);
  s.start(o);
  Client kept(s.port);
  ASSERT_TRUE(kept.send("GET", "/x").keep_alive());
  const auto t0 = std::chrono::steady_clock::now();
  s.server->shutdown();
  EXPECT_EQ(s.health.check_all().status, "not_ready");
  // in the window: the open keep-alive connection is answered, and told to close
  auto r = kept.send("GET", "/x");
  EXPECT_EQ(r.result_int(), 200u);
  EXPECT_FALSE(r.keep_alive());
  // a client connecting in the window is served too
  Client late(s.port);
  auto l = late.send("GET", "/x");
  EXPECT_EQ(l.result_int(), 200u);
  EXPECT_FALSE(l.keep_alive());
  EXPECT_LT(std::chrono::steady_clock::now() - t0, o.drain_delay);  // (the test itself was in the window)
  // after it, the listener closes
  bool refused = false;
  for (int i = 0; i < 5000 && !refused; ++i) {
    refused = !can_connect(s.port);
    if (!refused) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  EXPECT_TRUE(refused);
  EXPECT_GE(std::chrono::steady_clock::now() - t0, o.drain_delay);
  s.server->wait();
}

TEST(ServerCancellation, ClientThatLeavesCancelsTheHandlersWork) {
  MiniServer s;
  std::latch started(1);
  std::promise<bool> outcome;
  s.router.add(
      "POST", "/work",
      [&](Request&) {
        started.count_down();
        // Long work that checks its token, as schema validation and imports do.
        for (int i = 0; i < 600; ++i) {
          if (!check_cancelled()) {
            outcome.set_value(true);
            return Response::empty(204);
          }
          std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        outcome.set_value(false);
        return Response::empty(204);
      },
      open_route());
  ServerOptions o;
  o.request_timeout = std::chrono::minutes(5);  // only the client's leaving can stop it
  s.start(o);
  {
    Client a(s.port);
    a.write_raw("POST /work HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}");
    started.wait();
  }  // the client closes its connection
  auto f = outcome.get_future();
  ASSERT_EQ(f.wait_for(std::chrono::seconds(25)), std::future_status::ready) << "the work never stopped";
  EXPECT_TRUE(f.get()) << "the handler ran to its end although the client had left";
}

TEST(ServerCancellation, PipelinedRequestsDoNotCancelTheCurrentOne) {
  MiniServer s;
  std::atomic<int> cancelled{0};
  s.router.add(
      "GET", "/slow",
      [&](Request&) {
        for (int i = 0; i < 10; ++i) {
          if (!check_cancelled()) ++cancelled;
          std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        return Response::empty(204);
      },
      open_route());
  s.start(ServerOptions{});
  Client a(s.port);
  a.write_raw("GET /slow HTTP/1.1\r\nHost: x\r\n\r\nGET /slow HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(a.read().result_int(), 204u);
  EXPECT_EQ(a.read().result_int(), 204u);
  EXPECT_EQ(cancelled.load(), 0);
}

TEST(ServerStart, BindFailureIsConfigurationError) {
  MiniServer a;
  a.start(ServerOptions{});
  Router router;
  obs::HealthRegistry health;
  metrics::Registry registry;
  obs::Logger logger{"test", obs::LogLevel::Error, [](std::string_view) {}};
  ServerOptions o;
  o.port = a.port;  // taken
  Server b(o, router, test_auth(), health, registry, logger);
  auto st = b.start();
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().kind(), ErrorKind::Configuration);
}


// ---- the edge: authentication before the body, connection and body caps ---

/// True when the server closed the connection (EOF or reset) — it does so
/// after at most its 1 s linger; a server still reading would block here
/// until its request timeout and then close without the expected answer.
bool closed_by_server(Client& c) {
  boost::system::error_code ec;
  char byte;
  for (;;) {
    c.socket().read_some(asio::buffer(&byte, 1), ec);
    if (ec) return true;
  }
}

std::string head_with_body(const std::string& target, std::size_t length, const std::string& extra = {}) {
  return "POST " + target + " HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(length) + "\r\n" + extra +
         "\r\n";
}

TEST(ServerEdge, AuthenticationComesBeforeTheBody) {
  MiniServer s;
  std::atomic<int> auth_calls{0}, handled{0};
  s.auth = [&auth_calls, inner = test_auth()](std::string_view t) {
    ++auth_calls;
    return inner(t);
  };
  RouteOptions writer;
  writer.min_role = storage::Role::Writer;
  s.router.add(
      "POST", "/ingest",
      [&](Request& req) {
        ++handled;
        return Response::json(200, boost::json::object{{"size", req.body.size()}, {"tenant", req.ctx.tenant_id}});
      },
      writer);
  RouteOptions stream = writer;
  stream.stream_request = true;
  s.router.add(
      "POST", "/ingest-stream",
      [&](Request& req) {
        ++handled;
        std::size_t n = 0;
        while (auto piece = req.body_stream->read()) n += piece->size();
        return Response::json(200, boost::json::object{{"size", n}});
      },
      stream);
  ServerOptions o;
  o.max_body_bytes = 64 << 20;
  o.request_timeout = o.read_timeout = o.chunk_timeout = std::chrono::seconds(5);  // bounds a regression (body read) instead of hanging
  s.start(o);
  constexpr std::size_t kAnnounced = 30u << 20;

  for (const std::string target : {"/ingest", "/ingest-stream"}) {
    // No key, a 30 MiB body announced, none sent, 100-continue asked: 401
    // at once, no "100 Continue" first (read() would return it), and closed.
    {
      Client c(s.port);
      c.write_raw(head_with_body(target, kAnnounced, "Expect: 100-continue\r\n"));
      auto r = c.read();
      expect_error_shape(r, 401, "VAULT_ERR_0010", "AuthenticationError");
      EXPECT_FALSE(r.keep_alive());
      EXPECT_TRUE(closed_by_server(c));
    }
    // Same without Expect, body bytes trickling: still 401 and closed.
    {
      Client c(s.port);
      c.write_raw(head_with_body(target, kAnnounced, "Authorization: Bearer wrong\r\n"));
      c.write_raw(std::string(1000, 'x'));
      auto r = c.read();
      expect_error_shape(r, 401, "VAULT_ERR_0010", "AuthenticationError");
      EXPECT_TRUE(closed_by_server(c));
    }
    // Authenticated but not authorized (reader on a writer route): 403 the same way.
    {
      Client c(s.port);
      c.write_raw(head_with_body(target, kAnnounced, "Authorization: Bearer reader-key\r\nExpect: 100-continue\r\n"));
      auto r = c.read();
      expect_error_shape(r, 403, "VAULT_ERR_0011", "AuthorizationError");
      EXPECT_TRUE(closed_by_server(c));
    }
  }
  EXPECT_EQ(handled.load(), 0);

  // Authorized: 100-continue, keep-alive and one authentication per request
  // (the worker reuses the principal found from the headers).
  Client c(s.port);
  auth_calls = 0;
  for (const std::string target : {"/ingest", "/ingest-stream", "/ingest"}) {
    c.write_raw(head_with_body(target, 5000, "Authorization: Bearer writer-key\r\nExpect: 100-continue\r\n"));
    auto cont = c.read();
    ASSERT_EQ(cont.result_int(), 100u);
    c.write_raw(std::string(5000, 'y'));
    auto r = c.read();
    ASSERT_EQ(r.result_int(), 200u) << r.body();
    EXPECT_TRUE(r.keep_alive());
    EXPECT_EQ(boost::json::parse(r.body()).as_object().at("size").as_int64(), 5000);
  }
  EXPECT_EQ(auth_calls.load(), 3);
  EXPECT_EQ(handled.load(), 3);
  // A request without a body keeps the connection even when refused.
  auto r = c.send("POST", "/ingest");
  expect_error_shape(r, 401, "VAULT_ERR_0010", "AuthenticationError");
  EXPECT_TRUE(r.keep_alive());
  EXPECT_EQ(c.send("POST", "/ingest", "abc", {{"Authorization", "Bearer writer-key"}}).result_int(), 200u);
}

TEST(ServerEdge, OpenRoutesTakeNoRealBody) {
  MiniServer s;
  s.start(ServerOptions{});
  Client c(s.port);
  // The built-in GETs are anonymous: a large body is refused, not buffered.
  c.write_raw("GET /health/live HTTP/1.1\r\nHost: x\r\nContent-Length: 31457280\r\n\r\n");
  auto r = c.read();
  expect_error_shape(r, 413, "VAULT_ERR_0050", "PayloadTooLargeError");
  EXPECT_TRUE(closed_by_server(c));
}

std::string metrics_of(MiniServer& s) { return s.registry.render(); }

TEST(ServerEdge, ConnectionCapAnswers503AndFreesSlots) {
  MiniServer s;
  ServerOptions o;
  o.max_connections = 2;
  s.start(o);
  auto a = std::make_unique<Client>(s.port);
  Client b(s.port);
  ASSERT_EQ(a->send("GET", "/health/live").result_int(), 200u);  // both accepted and counted
  ASSERT_EQ(b.send("GET", "/health/live").result_int(), 200u);
  EXPECT_NE(metrics_of(s).find("vault_active_connections 2\n"), std::string::npos);
  EXPECT_NE(metrics_of(s).find("vault_max_connections 2\n"), std::string::npos);
  {  // one over the cap (the idle ones are reclaimed only after it is refused)
    Client extra(s.port);
    auto r = extra.send("GET", "/health/live");
    expect_error_shape(r, 503, "VAULT_ERR_3003", "OverloadedError");
    EXPECT_EQ(r[bhttp::field::retry_after], "1");
    EXPECT_FALSE(r.keep_alive());
    EXPECT_TRUE(closed_by_server(extra));
  }
  // Reaching the cap reclaimed the held connections, which sat idle between
  // keep-alive requests: the server closed them, so their slots are free.
  EXPECT_TRUE(closed_by_server(*a));
  EXPECT_TRUE(closed_by_server(b));
  a.reset();
  bool served = false;
  for (int i = 0; i < 1000 && !served; ++i) {  // the server notices the close asynchronously
    Client c(s.port);
    served = c.send("GET", "/health/live").result_int() == 200u;
    if (!served) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_TRUE(served);
}

TEST(ServerEdge, BufferedBodyBudgetAnswers503AndIsReleased) {
  MiniServer s;
  std::latch held(1), release(1);
  RouteOptions writer;
  writer.min_role = storage::Role::Writer;
  s.router.add(
      "POST", "/hold",
      [&](Request& req) {
        held.count_down();
        release.wait();
        return Response::json(200, boost::json::object{{"size", req.body.size()}});
      },
      writer);
  s.router.add(
      "POST", "/size", [](Request& req) { return Response::json(200, boost::json::object{{"size", req.body.size()}}); },
      writer);
  ServerOptions o;
  o.worker_threads = 2;
  o.max_body_bytes = 1 << 20;
  o.max_buffered_body_bytes = (3 << 20) / 2;  // one largest body and a half
  s.start(o);
  const std::vector<std::pair<std::string, std::string>> auth = {{"Authorization", "Bearer writer-key"}};

  Client a(s.port);  // holds 1 MiB of the budget while its handler waits
  a.write_raw(head_with_body("/hold", 1 << 20, "Authorization: Bearer writer-key\r\n") + std::string(1 << 20, 'a'));
  held.wait();
  EXPECT_NE(metrics_of(s).find("vault_buffered_body_bytes 1048576\n"), std::string::npos) << metrics_of(s);

  {  // Content-Length beyond what is left: 503 at once, body unread, closed
    Client b(s.port);
    b.write_raw(head_with_body("/size", 1 << 20, "Authorization: Bearer writer-key\r\nExpect: 100-continue\r\n"));
    auto r = b.read();
    expect_error_shape(r, 503, "VAULT_ERR_3003", "OverloadedError");
    EXPECT_EQ(r[bhttp::field::retry_after], "1");
    EXPECT_TRUE(closed_by_server(b));
  }
  {  // chunked: refused as it grows past the budget
    Client b(s.port);
    b.write_raw("POST /size HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer writer-key\r\nTransfer-Encoding: chunked\r\n\r\n");
    const std::string chunk = "10000\r\n" + std::string(1 << 16, 'c') + "\r\n";
    boost::system::error_code ec;
    for (int i = 0; i < 16 && !ec; ++i) asio::write(b.socket(), asio::buffer(chunk), ec);
    auto r = b.read();
    expect_error_shape(r, 503, "VAULT_ERR_3003", "OverloadedError");
  }
  {  // what fits is served
    Client b(s.port);
    EXPECT_EQ(b.send("POST", "/size", std::string(100 << 10, 's'), auth).result_int(), 200u);
  }
  release.count_down();
  auto ra = a.read();
  ASSERT_EQ(ra.result_int(), 200u);
  EXPECT_EQ(boost::json::parse(ra.body()).as_object().at("size").as_int64(), 1 << 20);
  // Released when the request is done (just after its response is written;
  // wait for it without timing assumptions): a full-size body fits again.
  bool released = false;
  for (int i = 0; i < 5000 && !released; ++i) {
    released = metrics_of(s).find("vault_buffered_body_bytes 0\n") != std::string::npos;
    if (!released) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ASSERT_TRUE(released) << metrics_of(s);
  Client b(s.port);
  auto r = b.send("POST", "/size", std::string(1 << 20, 'z'), auth);
  EXPECT_EQ(r.result_int(), 200u) << r.body();
}

TEST(ServerEdge, AdminListenerServesMetricsAndHealthOnly) {
  MiniServer s;
  RouteOptions reader;
  s.router.add("GET", "/api", [](Request&) { return Response::empty(204); }, reader);
  ServerOptions o;
  o.admin_host = "127.0.0.1";
  o.admin_port = 0;
  s.start(o);
  ASSERT_NE(s.server->admin_bound_port(), 0);
  ASSERT_NE(s.server->admin_bound_port(), s.port);
  Client admin(s.server->admin_bound_port());
  auto m = admin.send("GET", "/metrics");
  ASSERT_EQ(m.result_int(), 200u);
  EXPECT_NE(m.body().find("vault_requests_total"), std::string::npos);
  EXPECT_EQ(admin.send("GET", "/health/live").result_int(), 200u);
  EXPECT_EQ(admin.send("GET", "/health/ready").result_int(), 200u);
  expect_error_shape(admin.send("GET", "/api", "", {{"Authorization", "Bearer reader-key"}}), 404, "VAULT_ERR_0026",
                     "RouteNotFoundError");
  // The API listener: the API, and /metrics only with a credential (no token
  // configured here: the platform admin key).
  Client api(s.port);
  EXPECT_EQ(api.send("GET", "/api", "", {{"Authorization", "Bearer reader-key"}}).result_int(), 204u);
  expect_error_shape(api.send("GET", "/metrics"), 401, "VAULT_ERR_0010", "AuthenticationError");
  EXPECT_EQ(api.send("GET", "/metrics", "", kRootAuth).result_int(), 200u);
  // Admin connections do not count against the API cap.
  EXPECT_NE(metrics_of(s).find("vault_active_connections 1\n"), std::string::npos);
}

}  // namespace
}  // namespace vault::http
