#pragma once
/// Plain-text scanning in constant memory for `vault scan`: the input is cut
/// into windows that overlap, each finding belongs to exactly one window
/// (the one whose "owned" range holds its first byte), so a match across a
/// chunk border is reported once.
#include "vault/pii/detection/scanner.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace vault::cli::scan {

/// 1-based line and code-point column.
struct TextPos {
  std::uint64_t line = 1;
  std::uint64_t column = 1;
  /// Moves past `bytes` (a '\n' starts a new line; UTF-8 continuation bytes do not count).
  void advance(std::string_view bytes);
};

struct TextWindow {
  std::string buf;                          ///< input bytes [abs, abs + buf.size())
  std::uint64_t abs = 0;                    ///< input offset of buf[0]
  std::size_t own_begin = 0, own_end = 0;   ///< owned range, offsets into buf
  TextPos pos;                              ///< position of buf[0]
};

/// Cuts a byte stream into windows: owned ranges of `chunk` bytes, preceded
/// by up to `before` bytes (context words, overlap resolution) and followed
/// by up to `after` bytes (a match starting in the owned range and shorter
/// than `after` is seen whole).
class TextWindower {
 public:
  /// Reads up to n bytes into p; returns the count, 0 at end, -1 on error.
  using Read = std::function<long(char* p, std::size_t n)>;
  static constexpr std::size_t kChunk = 1 << 20, kBefore = 256, kAfter = 4096;

  explicit TextWindower(Read read, std::size_t chunk = kChunk, std::size_t before = kBefore,
                        std::size_t after = kAfter);
  /// The next window; false at the end of the input or on a read error.
  bool next(TextWindow& w);
  bool failed() const { return failed_; }

 private:
  bool fill(std::uint64_t up_to);

  Read read_;
  std::size_t chunk_, before_, after_;
  std::string data_;           // input bytes from data_abs_
  std::uint64_t data_abs_ = 0;
  TextPos data_pos_;           // position of data_[0]
  std::uint64_t own_ = 0;      // start of the next owned range
  bool eof_ = false, failed_ = false;
};

/// Findings of `w.buf` whose first byte lies in the owned range (offsets
/// relative to w.buf, sorted by start).
std::vector<pii::Finding> scan_window(const pii::Scanner& scanner, const TextWindow& w,
                                      const pii::ScanOptions& options);

}  // namespace vault::cli::scan
