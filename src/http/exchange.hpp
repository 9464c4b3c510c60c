#pragma once
/// The rendezvous between one request's I/O coroutine (io thread) and its
/// handler (worker thread). No Asio here: the io side registers a plain
/// callback ("waiter") that is invoked once something changed.
///
/// Request body (stream_request routes): the worker's BodySource::read()
/// asks for a piece and blocks; the io side reads at most piece_capacity()
/// bytes from the socket into piece_buffer() and hands them over. Only one
/// piece is ever in flight, so memory is constant whatever the body size.
///
/// Response: either one final Response (complete()), or a streamed one
/// (begin_stream(head), chunks via BodySink::write(), end_stream()). The
/// head is only published with the first chunk, so a stream that fails
/// before writing anything still gets a proper error response.
#include "vault/core/cancellation.hpp"
#include "vault/core/clock.hpp"
#include "vault/http/handler.hpp"

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string_view>

namespace vault::http {

/// Thrown into a handler's BodySink::write / BodySource::read when the
/// client has gone away or the server is stopping.
class ClientGone : public VaultException {
 public:
  ClientGone() : VaultException(Error(ErrorKind::Transient, "client connection closed")) {}
};

class Exchange {
 public:
  /// `clock` decides when the request's deadline has passed (cancellation()).
  explicit Exchange(Request req, std::size_t piece_capacity = 0, const Clock& clock = system_clock());
  ~Exchange();
  Exchange(const Exchange&) = delete;
  Exchange& operator=(const Exchange&) = delete;

  Request& request() { return req_; }

  // ---- worker side ------------------------------------------------------
  BodySource& body_source() { return source_; }
  BodySink& body_sink() { return sink_; }
  void complete(Response r);
  void begin_stream(Response head);
  void end_stream();
  void abort_stream();
  /// True once a chunk has been handed to the io side (the head is out).
  bool stream_started() const;
  /// True after cancel() (client gone or server stopping).
  bool gone() const;
  /// The request's cancellation token for the domain: cancelled together
  /// with the exchange; its deadline is set by run_route.
  Cancellation& cancellation() { return cancellation_; }

  // ---- io side ----------------------------------------------------------
  enum class Event { None, BodyWanted, Final, Gone, Chunk, StreamEnd, StreamAbort };
  /// What the io side must do next (non-blocking). For Chunk, `chunk` is
  /// the data (valid until chunk_done()).
  Event next_event(std::string_view& chunk);
  /// The final response, or the head of a stream.
  Response take_response();
  char* piece_buffer() { return piece_.get(); }
  std::size_t piece_capacity() const { return piece_capacity_; }
  void deliver_piece(std::size_t n);
  void deliver_end();
  void deliver_error(Error e);
  /// The chunk was written (ok) or the write failed (client gone).
  void chunk_done(bool ok);
  /// `w` is called once (from any thread) after the next change, at once
  /// if a change happened since the previous waiter was called.
  void set_waiter(std::move_only_function<void()> w);
  /// The connection is gone (or the server is stopping): wakes the worker
  /// (its reads/writes now throw ClientGone) and the io side (Event::Gone).
  void cancel();

 private:
  class Source;
  class Sink;
  friend class Source;
  friend class Sink;
  std::optional<std::string_view> worker_read();
  void worker_write(std::string_view chunk);
  void notify_io(std::unique_lock<std::mutex>& lock);

  Request req_;
  std::size_t piece_capacity_;
  std::unique_ptr<char[]> piece_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  // request body
  bool body_wanted_ = false;
  bool piece_ready_ = false;
  std::size_t piece_len_ = 0;
  bool body_end_ = false;
  std::optional<Error> body_error_;
  // response
  Response response_;
  bool final_ = false;
  std::string_view chunk_;
  bool chunk_pending_ = false;
  bool started_ = false;
  bool stream_end_ = false;
  bool stream_abort_ = false;
  // both
  bool gone_ = false;
  Cancellation cancellation_;
  bool signalled_ = false;
  std::move_only_function<void()> waiter_;

  class Source : public BodySource {
   public:
    explicit Source(Exchange& e) : e_(e) {}
    std::optional<std::string_view> read() override { return e_.worker_read(); }

   private:
    Exchange& e_;
  } source_{*this};
  class Sink : public BodySink {
   public:
    explicit Sink(Exchange& e) : e_(e) {}
    void write(std::string_view chunk) override { e_.worker_write(chunk); }

   private:
    Exchange& e_;
  } sink_{*this};
};

}  // namespace vault::http
