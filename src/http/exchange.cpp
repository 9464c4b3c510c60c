#include "http/exchange.hpp"

namespace vault::http {

Exchange::Exchange(Request req, std::size_t piece_capacity, const Clock& clock)
    : req_(std::move(req)),
      piece_capacity_(piece_capacity),
      piece_(piece_capacity ? new char[piece_capacity] : nullptr),
      cancellation_(Cancellation::Clock::time_point::max(), clock) {}

Exchange::~Exchange() = default;

void Exchange::notify_io(std::unique_lock<std::mutex>& lock) {
  if (waiter_) {
    auto w = std::move(waiter_);
    waiter_ = nullptr;
    lock.unlock();
    w();
  } else {
    signalled_ = true;
    lock.unlock();
  }
}

// ---- worker side ------------------------------------------------------

std::optional<std::string_view> Exchange::worker_read() {
  std::unique_lock lock(mu_);
  if (body_end_) return std::nullopt;
  if (body_error_) throw VaultException(*body_error_);
  if (gone_) throw ClientGone();
  body_wanted_ = true;  // also releases the previous piece
  piece_ready_ = false;
  notify_io(lock);
  lock.lock();
  cv_.wait(lock, [&] { return piece_ready_ || body_end_ || body_error_ || gone_; });
  if (piece_ready_) {
    piece_ready_ = false;
    return std::string_view(piece_.get(), piece_len_);
  }
  if (body_end_) return std::nullopt;
  if (body_error_) throw VaultException(*body_error_);
  throw ClientGone();
}

void Exchange::worker_write(std::string_view chunk) {
  if (chunk.empty()) return;  // an empty chunk would end the chunked body
  std::unique_lock lock(mu_);
  if (gone_) throw ClientGone();
  chunk_ = chunk;
  chunk_pending_ = true;
  started_ = true;
  notify_io(lock);
  lock.lock();
  cv_.wait(lock, [&] { return !chunk_pending_ || gone_; });
  if (gone_) throw ClientGone();
}

void Exchange::complete(Response r) {
  std::unique_lock lock(mu_);
  response_ = std::move(r);
  final_ = true;
  notify_io(lock);
}

void Exchange::begin_stream(Response head) {
  std::lock_guard lock(mu_);
  response_ = std::move(head);
}

void Exchange::end_stream() {
  std::unique_lock lock(mu_);
  stream_end_ = true;
  notify_io(lock);
}

void Exchange::abort_stream() {
  std::unique_lock lock(mu_);
  stream_abort_ = true;
  notify_io(lock);
}

bool Exchange::stream_started() const {
  std::lock_guard lock(mu_);
  return started_;
}

bool Exchange::gone() const {
  std::lock_guard lock(mu_);
  return gone_;
}

// ---- io side ----------------------------------------------------------

Exchange::Event Exchange::next_event(std::string_view& chunk) {
  std::lock_guard lock(mu_);
  if (final_) return Event::Final;
  if (gone_) return Event::Gone;
  if (stream_abort_) return Event::StreamAbort;
  if (chunk_pending_) {
    chunk = chunk_;
    return Event::Chunk;
  }
  if (stream_end_) return Event::StreamEnd;
  if (body_wanted_) return Event::BodyWanted;
  return Event::None;
}

Response Exchange::take_response() {
  std::lock_guard lock(mu_);
  return std::move(response_);
}

void Exchange::deliver_piece(std::size_t n) {
  {
    std::lock_guard lock(mu_);
    body_wanted_ = false;
    piece_len_ = n;
    piece_ready_ = true;
  }
  cv_.notify_all();
}

void Exchange::deliver_end() {
  {
    std::lock_guard lock(mu_);
    body_wanted_ = false;
    body_end_ = true;
  }
  cv_.notify_all();
}

void Exchange::deliver_error(Error e) {
  {
    std::lock_guard lock(mu_);
    body_wanted_ = false;
    body_error_ = std::move(e);
  }
  cv_.notify_all();
}

void Exchange::chunk_done(bool ok) {
  {
    std::lock_guard lock(mu_);
    chunk_pending_ = false;
    if (!ok) {
      gone_ = true;
      cancellation_.cancel();
    }
  }
  cv_.notify_all();
}

void Exchange::set_waiter(std::move_only_function<void()> w) {
  std::unique_lock lock(mu_);
  if (signalled_) {
    signalled_ = false;
    lock.unlock();
    w();
    return;
  }
  waiter_ = std::move(w);
}

void Exchange::cancel() {
  std::unique_lock lock(mu_);
  gone_ = true;
  cancellation_.cancel();
  cv_.notify_all();
  notify_io(lock);
}

}  // namespace vault::http
