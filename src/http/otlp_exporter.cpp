#include "vault/http/otlp_exporter.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/url/parse.hpp>

namespace vault::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

class OtlpHttpExporter final : public obs::SpanExporter {
 public:
  OtlpHttpExporter(std::string host, std::string port, std::string target, std::chrono::milliseconds timeout)
      : host_(std::move(host)), port_(std::move(port)), target_(std::move(target)), timeout_(timeout) {}

  Status export_spans(const std::vector<obs::SpanRecord>& spans) override {
    asio::io_context ioc;
    Status result = fail(ErrorKind::Dependency, "OTLP export did not finish");
    asio::co_spawn(ioc, post(otlp_json(spans, "vaultd"), result), asio::detached);
    ioc.run();
    return result;
  }

 private:
  asio::awaitable<void> post(std::string body, Status& result) {
    constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);
    auto ex = co_await asio::this_coro::executor;
    tcp::resolver resolver(ex);
    auto [rec, endpoints] = co_await resolver.async_resolve(host_, port_, nothrow);
    if (rec) {
      result = fail(ErrorKind::Dependency, "OTLP endpoint cannot be resolved: " + rec.message());
      co_return;
    }
    beast::tcp_stream stream(ex);
    stream.expires_after(timeout_);
    auto [cec, ep] = co_await stream.async_connect(endpoints, nothrow);
    if (cec) {
      result = fail(ErrorKind::Dependency, "OTLP endpoint refused the connection: " + cec.message());
      co_return;
    }
    bhttp::request<bhttp::string_body> req(bhttp::verb::post, target_, 11);
    req.set(bhttp::field::host, host_ + ":" + port_);
    req.set(bhttp::field::content_type, "application/json");
    req.set(bhttp::field::user_agent, "vaultd");
    req.body() = std::move(body);
    req.prepare_payload();
    auto [wec, wn] = co_await bhttp::async_write(stream, req, nothrow);
    if (wec) {
      result = fail(ErrorKind::Dependency, "OTLP export failed: " + wec.message());
      co_return;
    }
    beast::flat_buffer buf;
    bhttp::response<bhttp::string_body> res;
    auto [rdec, rn] = co_await bhttp::async_read(stream, buf, res, nothrow);
    if (rdec) {
      result = fail(ErrorKind::Dependency, "OTLP export got no answer: " + rdec.message());
      co_return;
    }
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    if (res.result_int() / 100 != 2) {
      result = fail(ErrorKind::Dependency, "OTLP collector answered " + std::to_string(res.result_int()));
      co_return;
    }
    result = {};
  }

  const std::string host_, port_, target_;
  const std::chrono::milliseconds timeout_;
};

}  // namespace

Result<std::unique_ptr<obs::SpanExporter>> otlp_http_exporter(const std::string& endpoint,
                                                              std::chrono::milliseconds timeout) {
  auto u = boost::urls::parse_uri(endpoint);
  if (!u || u->scheme() != "http" || u->host().empty())
    return fail(ErrorKind::Validation,
                "tracing exporter endpoint must be http://host:port/path (https: run a collector beside vaultd)",
                {{"setting", "tracing.exporters"}});
  std::string port = u->has_port() ? std::string(u->port()) : "80";
  std::string target = u->encoded_path().empty() ? "/v1/traces" : std::string(u->encoded_path());
  return std::unique_ptr<obs::SpanExporter>(
      std::make_unique<OtlpHttpExporter>(std::string(u->host()), std::move(port), std::move(target), timeout));
}

}  // namespace vault::http
