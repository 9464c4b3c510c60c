#include "vault/domain/jsonl.hpp"

#include "vault/core/strict_json.hpp"

#include <cstring>

namespace vault::domain {
namespace {

/// Record nesting deeper than this is refused (protects every recursive
/// walk of a record downstream: validation, scanning, destruction).
constexpr std::size_t kMaxRecordDepth = 64;
/// Above this the assembly buffer is given back after the line is emitted.
constexpr std::size_t kKeepBufferBytes = std::size_t{1} << 20;
constexpr std::size_t kArenaInitialBytes = std::size_t{64} << 10;

StrictJsonOptions record_options() { return {.max_depth = kMaxRecordDepth, .subject = "record"}; }

Status check_object(const boost::json::value& v) {
  if (!v.is_object()) return fail(ErrorKind::Validation, "record must be a JSON object");
  return {};
}

}  // namespace

// ---------------------------------------------------------------- splitter

JsonlSplitter::JsonlSplitter(LineHandler on_line, OverlongHandler on_overlong, std::size_t max_line_bytes)
    : on_line_(std::move(on_line)), on_overlong_(std::move(on_overlong)), max_line_(max_line_bytes) {}

void JsonlSplitter::emit(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (line.size() > max_line_) return emit_overlong(line.size());
  on_line_(line, ++line_number_);
}

void JsonlSplitter::emit_overlong(std::size_t length) {
  ++line_number_;
  if (on_overlong_) on_overlong_(line_number_, length);
}

void JsonlSplitter::release_buffer_if_large() {
  if (partial_.capacity() > kKeepBufferBytes)
    std::string().swap(partial_);
  else
    partial_.clear();
}

void JsonlSplitter::feed(std::string_view chunk) {
  const char* p = chunk.data();
  const char* const end = p + chunk.size();
  // The buffer may hold max_line_ + 1 bytes: the extra one can be the '\r'
  // of a "\r\n" line end whose '\n' has not arrived yet.
  const std::size_t hard_limit = max_line_ + 1;
  while (p < end) {
    const auto* nl = static_cast<const char*>(std::memchr(p, '\n', static_cast<std::size_t>(end - p)));
    const std::size_t piece = static_cast<std::size_t>((nl ? nl : end) - p);
    if (skipping_) {
      if (piece > 0) {
        skipped_ += piece;
        skipped_cr_ = p[piece - 1] == '\r';
      }
      if (!nl) return;
      skipping_ = false;
      const std::size_t length = skipped_ - (skipped_cr_ ? 1 : 0);
      skipped_ = 0;
      skipped_cr_ = false;
      p = nl + 1;
      emit_overlong(length);
      continue;
    }
    if (partial_.empty() && nl) {
      emit(std::string_view(p, piece));  // zero-copy fast path
      p = nl + 1;
      continue;
    }
    if (partial_.size() + piece > hard_limit) {
      // Too long whatever follows: drop what was buffered and skip the rest
      // of the line (the loop top accounts for this piece).
      skipping_ = true;
      skipped_ = partial_.size();
      skipped_cr_ = false;
      release_buffer_if_large();
      continue;
    }
    partial_.append(p, piece);
    if (!nl) return;
    p = nl + 1;
    BufferReset reset{*this};  // even if the handler throws
    emit(partial_);
  }
}

void JsonlSplitter::finish() {
  if (skipping_) {
    // Like a buffered last line, a trailing '\r' is not counted.
    skipping_ = false;
    const std::size_t length = skipped_ - (skipped_cr_ ? 1 : 0);
    skipped_ = 0;
    skipped_cr_ = false;
    emit_overlong(length);
    return;
  }
  if (partial_.empty()) return;
  BufferReset reset{*this};
  emit(partial_);
}

// ---------------------------------------------------------------- parsing

Result<boost::json::object> parse_record(std::string_view line) {
  thread_local StrictJsonParser parser(record_options());
  auto v = parser.parse(line);
  if (!v) return std::unexpected(std::move(v.error()));
  if (auto s = check_object(*v); !s) return std::unexpected(std::move(s.error()));
  return std::move(v->get_object());
}

RecordParser::RecordParser()
    : arena_buffer_(std::make_unique<unsigned char[]>(kArenaInitialBytes)),
      arena_(arena_buffer_.get(), kArenaInitialBytes),
      parser_(record_options()) {}

Result<const boost::json::object*> RecordParser::parse(std::string_view line) {
  value_.reset();  // the arena's deallocation is a no-op: this is cheap
  arena_.release();
  auto v = parser_.parse(line, boost::json::storage_ptr(&arena_));
  if (!v) return std::unexpected(std::move(v.error()));
  value_.emplace(std::move(*v));
  if (auto s = check_object(*value_); !s) return std::unexpected(std::move(s.error()));
  return &value_->get_object();
}

}  // namespace vault::domain
