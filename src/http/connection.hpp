#pragma once
/// One HTTP/1.1 connection: a coroutine on its own strand that reads
/// request heads (keep-alive) and runs each request through its listener's
/// pipeline (pipeline.hpp), for which it is the Transport: it writes the
/// answers, reads bodies and runs the exchanges with the workers.
#include "http/pipeline.hpp"
#include "http/server_impl.hpp"

#include <optional>

namespace vault::http {

namespace http = beast::http;

class Connection : public std::enable_shared_from_this<Connection>, public Transport {
 public:
  Connection(Server::Impl& server, tcp::socket socket, Listener listener);
  ~Connection();

  asio::awaitable<void> run();
  /// Answers 503 OverloadedError (Retry-After: 1) without reading a request
  /// and closes: the connection cap is reached.
  asio::awaitable<void> refuse_overloaded();
  asio::any_io_executor executor() { return stream_.get_executor(); }
  /// On the strand: closes the socket if no request is in progress; else
  /// the connection closes once its current answer is written, if that
  /// happens within a second of the server's clock.
  void close_if_idle();
  Listener listener() const { return listener_; }
  /// On the strand: closes the socket whatever it is doing.
  void force_close();
  /// Thread-safe: cancels the request being handled by a worker, if any.
  void cancel_exchange();

  // Transport (pipeline.hpp), for the request being served.
  asio::awaitable<bool> respond(Call& call, Response r, AfterAnswer after) override;
  asio::awaitable<BodyRead> read_body(Call& call, std::int64_t limit,
                                      const std::function<bool(std::int64_t)>& may_buffer) override;
  asio::awaitable<bool> exchange(Call& call, std::shared_ptr<Exchange> ex) override;

 private:

  asio::awaitable<bool> serve(http::request_parser<http::empty_body>& hp);
  asio::awaitable<bool> run_exchange(RequestRecord& st, std::shared_ptr<Exchange> ex,
                                     http::request_parser<http::buffer_body>* body, bool expect_continue);
  asio::awaitable<bool> send(RequestRecord& st, Response r);
  asio::awaitable<bool> send_error(RequestRecord& st, const Error& e);
  /// Half-closes, drains what the client still sends (bounded), closes.
  asio::awaitable<void> linger_close();
  /// While a worker handles a request whose body has been read, a client that
  /// closes its connection cancels the exchange (the handler's cancellation
  /// token fires; work stops at its next check). Pipelined bytes are only
  /// peeked at, never consumed. A client that half-closes after its request
  /// counts as gone.
  void watch_for_disconnect(const std::shared_ptr<Exchange>& ex);
  /// True (once) when close_if_idle() asked this busy connection to close
  /// within the last second.
  bool reclaim_due();
  void set_common_headers(const RequestRecord& st, http::fields& f) const;
  void record(const RequestRecord& st);
  /// Hands the request's spans to the tracer when the sampler keeps them.
  void trace(const RequestRecord& st, std::string_view method, double secs);

  Server::Impl& srv_;
  const Listener listener_;
  beast::tcp_stream stream_;
  beast::flat_buffer buf_;
  bool idle_ = false;
  bool served_any_ = false;  ///< a request has been answered on this connection
  /// When close_if_idle() found this connection busy (finishing an answer
  /// the client may already have read): it closes when it next goes idle,
  /// if that is within a second of the server's clock. Without it a reclaim
  /// at the cap could miss a connection by microseconds and not retry for a
  /// second.
  std::optional<Clock::steady_time> reclaim_requested_;
  /// The head parser of the request being served (serve()); its body is
  /// read through it by read_body() or exchange().
  http::request_parser<http::empty_body>* hp_ = nullptr;
  std::mutex ex_mu_;
  std::shared_ptr<Exchange> ex_;
};

}  // namespace vault::http
