#pragma once
/// Streaming JSONL: splitting a byte stream into lines, and parsing one line
/// into a record object.
#include <boost/json/monotonic_resource.hpp>
#include <boost/json/object.hpp>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "vault/core/error.hpp"
#include "vault/core/strict_json.hpp"

namespace vault::domain {

/// Splits a stream fed in arbitrary chunks into lines.
///
/// Every line terminated by '\n' is reported, numbered from 1, without its
/// '\n' and without one '\r' just before it ("\r\n" line ends). Empty lines
/// are reported too (with their number), so callers decide to skip them. A
/// last line without a final '\n' is reported by finish().
///
/// Memory is bounded by `max_line_bytes`: a line longer than that (not
/// counting its line end) is never buffered; it is skipped up to its '\n'
/// and reported once, when its end is seen, to `on_overlong` with its
/// number and total length. Lines are reported in stream order.
///
/// Lines that lie entirely inside one chunk are passed as views into that
/// chunk (no copy); others are assembled in an internal buffer. A view is
/// valid only during the callback.
class JsonlSplitter {
 public:
  static constexpr std::size_t kDefaultMaxLineBytes = std::size_t{16} << 20;

  using LineHandler = std::function<void(std::string_view line, std::int64_t line_number)>;
  using OverlongHandler = std::function<void(std::int64_t line_number, std::size_t length)>;

  /// `on_overlong` may be empty: overlong lines are then dropped silently
  /// (they still take a line number).
  explicit JsonlSplitter(LineHandler on_line, OverlongHandler on_overlong = {},
                         std::size_t max_line_bytes = kDefaultMaxLineBytes);

  /// Feeds the next chunk of the stream; reports every line it completes.
  void feed(std::string_view chunk);
  /// Ends the stream: reports the last line if it had no final '\n'. The
  /// splitter may then be fed again as a fresh stream (line numbers go on).
  void finish();

  /// Number of lines reported so far (including empty and overlong ones).
  std::int64_t lines() const { return line_number_; }
  std::size_t max_line_bytes() const { return max_line_; }

 private:
  void emit(std::string_view line);
  void emit_overlong(std::size_t length);
  void release_buffer_if_large();
  struct BufferReset {
    JsonlSplitter& s;
    ~BufferReset() { s.release_buffer_if_large(); }
  };

  LineHandler on_line_;
  OverlongHandler on_overlong_;
  std::size_t max_line_;
  std::string partial_;      ///< the started line when it is buffered
  bool skipping_ = false;    ///< inside an overlong line
  bool skipped_cr_ = false;  ///< the last skipped byte was '\r'
  std::size_t skipped_ = 0;  ///< bytes of the overlong line so far
  std::int64_t line_number_ = 0;
};

/// Parses one JSONL line into a record: it must be one JSON value (strict
/// RFC 8259, valid UTF-8, surrounding whitespace allowed) and an object.
/// MalformedRequest for invalid JSON (details {"offset": byte offset,
/// "reason": parser message}); Validation "duplicate object key" when an
/// object repeats a key (details as in vault/core/strict_json.hpp: the
/// stored bytes must be the bytes that were checked, so duplicates are
/// refused); Validation "record must be a JSON object" for any other JSON
/// value. Never echoes the input. Thread-safe (uses a
/// per-thread parser whose work buffers are reused between calls).
Result<boost::json::object> parse_record(std::string_view line);

/// The fastest way to parse many records on one thread: reuses the parser
/// and a monotonic arena, so a parsed record costs almost no allocation.
/// The returned object lives in the arena and is valid until the next
/// parse() (or the parser's destruction). Not thread-safe.
class RecordParser {
 public:
  RecordParser();
  /// Same contract as parse_record().
  Result<const boost::json::object*> parse(std::string_view line);
  /// The value the last successful parse() produced (an object).
  const boost::json::value& value() const { return *value_; }

 private:
  std::unique_ptr<unsigned char[]> arena_buffer_;  ///< reused first block of the arena
  boost::json::monotonic_resource arena_;
  StrictJsonParser parser_;
  std::optional<boost::json::value> value_;
};

}  // namespace vault::domain
