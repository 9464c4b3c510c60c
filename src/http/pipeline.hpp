#pragma once
/// The request pipeline: what happens to one request between its parsed head
/// and its answer, as an ordered chain of small stages (a middleware chain,
/// like Envoy's filter chain). The order is written down in one place,
/// build_pipeline() in server_pipeline.cpp; the stages are in stages.hpp.
///
/// A stage receives the request (`Call`) and `next`, the rest of the chain.
/// It may
///   (a) enrich the call (ids, trace, route, principal, deadline, body) and
///       continue with `co_await next()`;
///   (b) answer early with `call.io.respond(...)` and not call `next` (the
///       body is then still unread, and the answer says what becomes of it);
///   (c) wrap the rest: do work before and after `co_await next()` (gauges,
///       reservations; later deadlines, bulkheads, timing).
/// Every stage returns whether the connection may read another request.
///
/// The I/O a stage needs (writing the answer, reading the body, running the
/// exchange with a worker) goes through `Transport`, which the connection
/// implements with Beast; unit tests hand in a fake.
#include "vault/http/handler.hpp"
#include "vault/http/router.hpp"
#include "vault/observability/tracing.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/beast/http/message.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vault::http {

class Exchange;
class BodyShare;

/// What the answer and the access log report about one request; the
/// connection fills version and keep_alive, the stages the rest as they
/// learn it (connection.cpp writes it into the response and the metrics).
struct RequestRecord {
  /// Start of the request, for the duration metric only (decides nothing).
  std::chrono::steady_clock::time_point t0 = std::chrono::steady_clock::now();
  RequestContext ctx;  ///< ids for the response headers and error bodies; tenant for the log
  std::uint8_t trace_flags = 0;
  std::string method;
  std::string_view endpoint = "unmatched";  ///< route template once routed
  const Route* route = nullptr;
  unsigned version = 11;
  bool keep_alive = false;  ///< whether the connection stays open after the answer
  std::uint64_t request_bytes = 0;
  std::uint64_t response_bytes = 0;
  int status = 0;
  /// Headers a stage adds to whatever answer the request gets (X-RateLimit-*).
  std::vector<std::pair<std::string, std::string>> headers;
  /// Tracing is on: Dispatch gives the handler a collector for child spans
  /// (`trace`), the connection turns the request into its server span.
  bool tracing = false;
  std::shared_ptr<obs::TraceCollector> trace;

  /// Ids for a request whose head could not even be parsed.
  void fresh_ids();
};

/// What becomes of the connection, and of a request body still unread,
/// once an answer is written.
enum class AfterAnswer {
  /// An unread body closes the connection (not drained); else keep-alive as asked.
  KeepIfNoBody,
  /// An unread body closes the connection after a bounded drain, so that
  /// the client reads the answer instead of a reset.
  DrainIfBody,
  /// Close after a bounded drain, whatever was read (refused bodies).
  CloseAndDrain,
  /// An unread body closes the connection; a connection that closes (for
  /// any reason) is drained first.
  DrainIfClosing,
};

/// How reading a buffered body ended (Transport::read_body).
enum class BodyEnd {
  Complete,    ///< call.req.body holds it
  TooLarge,    ///< more than the limit (chunked)
  Malformed,   ///< bad framing; the message says how
  OverBudget,  ///< `may_buffer` said no
  Lost,        ///< closed or timed out: nobody to answer
};

struct BodyRead {
  BodyEnd end = BodyEnd::Complete;
  std::string message;  ///< with Malformed
};

struct Call;

/// The connection's side of a request (Beast lives behind it). Called only
/// from the connection's strand.
class Transport {
 public:
  virtual ~Transport() = default;
  /// Writes `r` as the answer (metrics and access log included), applying
  /// `after`. Returns whether the connection may read another request.
  virtual boost::asio::awaitable<bool> respond(Call& call, Response r, AfterAnswer after) = 0;
  /// Sends 100 Continue when the client asked for it, then reads the whole
  /// body into call.req.body: at most `limit` bytes; before the buffer grows
  /// past `capacity` bytes (chunked bodies), asks `may_buffer(capacity)`.
  virtual boost::asio::awaitable<BodyRead> read_body(Call& call, std::int64_t limit,
                                                     const std::function<bool(std::int64_t)>& may_buffer) = 0;
  /// Runs `ex` (already submitted to a worker) to its end: feeds a streamed
  /// body (stream_request routes), writes the response, watches for the
  /// client leaving. Returns whether the connection may read another request.
  virtual boost::asio::awaitable<bool> exchange(Call& call, std::shared_ptr<Exchange> ex) = 0;
};

/// One request on its way through the pipeline.
struct Call {
  Call(Transport& transport, const boost::beast::http::request_header<>& h, bool pending,
       std::optional<std::uint64_t> length)
      : io(transport), head(h), body_pending(pending), content_length(length) {}
  Call(const Call&) = delete;
  Call& operator=(const Call&) = delete;

  Transport& io;
  /// As parsed. Valid only until the body is read (the parser moves on):
  /// stages after ReadHead use call.req instead.
  const boost::beast::http::request_header<>& head;
  bool body_pending;                                 ///< body bytes follow the head and are unread
  std::optional<std::uint64_t> content_length;       ///< announced; none when chunked or absent

  Request req;               ///< built by ReadHead, enriched by later stages
  std::string raw_path;      ///< target before '?', not decoded (routing input)
  bool expect_continue = false;
  std::int64_t body_limit = 0;      ///< set by BodyLimit
  BodyShare* body_share = nullptr;  ///< set by BodyBudgetStage for the rest of the chain
  RequestRecord record;
};

/// One stage of the chain. Stages are built once per listener and shared by
/// every connection: serve() must not change the stage itself.
class Stage {
 public:
  using Next = std::function<boost::asio::awaitable<bool>()>;
  virtual ~Stage() = default;
  virtual std::string_view name() const = 0;
  /// Serves `call`, calling `next` at most once for the rest of the chain.
  virtual boost::asio::awaitable<bool> serve(Call& call, Next next) const = 0;
};

/// An early answer and what it does to the connection.
struct Answer {
  Response response;
  AfterAnswer after = AfterAnswer::KeepIfNoBody;
};

/// A stage that only looks at the request before the rest of the chain:
/// check() enriches the call and returns nothing (continue), or returns the
/// answer (the rest of the chain does not run). Synchronous, so it is
/// unit-tested without an event loop.
class CheckStage : public Stage {
 public:
  virtual std::optional<Answer> check(Call& call) const = 0;
  boost::asio::awaitable<bool> serve(Call& call, Next next) const final;
};

/// The chain. The last stage must answer (it gets a `next` that throws).
/// Consecutive CheckStages run in a plain loop (as CheckStage::serve would
/// run them, without a coroutine frame each).
class Pipeline {
 public:
  explicit Pipeline(std::vector<std::unique_ptr<Stage>> stages);
  boost::asio::awaitable<bool> serve(Call& call) const { return run(call, 0); }
  /// The stage names in order (tests, docs).
  std::vector<std::string_view> names() const;

 private:
  boost::asio::awaitable<bool> run(Call& call, std::size_t i) const;
  std::vector<std::unique_ptr<Stage>> stages_;
  std::vector<const CheckStage*> checks_;  ///< per stage: itself when a CheckStage, else null
};

}  // namespace vault::http
