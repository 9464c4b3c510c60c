// Overlapping-window text scanning for `vault scan` (see scan_text.hpp).
#include "cli/scan_text.hpp"

#include <algorithm>

namespace vault::cli::scan {

void TextPos::advance(std::string_view bytes) {
  for (char c : bytes) {
    if (c == '\n') {
      ++line;
      column = 1;
    } else if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) {
      ++column;
    }
  }
}

TextWindower::TextWindower(Read read, std::size_t chunk, std::size_t before, std::size_t after)
    : read_(std::move(read)), chunk_(std::max<std::size_t>(chunk, 1)), before_(before), after_(after) {}

bool TextWindower::fill(std::uint64_t up_to) {
  while (!eof_ && data_abs_ + data_.size() < up_to) {
    std::size_t want = std::max<std::size_t>(64 * 1024, up_to - (data_abs_ + data_.size()));
    std::size_t old = data_.size();
    data_.resize(old + want);
    long n = read_(data_.data() + old, want);
    if (n < 0) {
      data_.resize(old);
      failed_ = eof_ = true;
      return false;
    }
    data_.resize(old + static_cast<std::size_t>(n));
    if (n == 0) eof_ = true;
  }
  return true;
}

bool TextWindower::next(TextWindow& w) {
  if (failed_) return false;
  // Drop what no later window needs (keep `before_` bytes of look-behind).
  std::uint64_t keep_from = own_ > before_ ? own_ - before_ : 0;
  if (keep_from > data_abs_) {
    std::size_t drop = static_cast<std::size_t>(std::min<std::uint64_t>(keep_from - data_abs_, data_.size()));
    data_pos_.advance(std::string_view(data_).substr(0, drop));
    data_.erase(0, drop);
    data_abs_ += drop;
  }
  if (!fill(own_ + chunk_ + after_)) return false;
  std::uint64_t end = data_abs_ + data_.size();
  if (own_ >= end) return false;
  std::uint64_t buf_abs = std::max(data_abs_, keep_from);
  std::uint64_t buf_end = std::min(end, own_ + chunk_ + after_);
  std::size_t skip = static_cast<std::size_t>(buf_abs - data_abs_);
  w.buf.assign(data_, skip, static_cast<std::size_t>(buf_end - buf_abs));
  w.abs = buf_abs;
  w.pos = data_pos_;
  w.pos.advance(std::string_view(data_).substr(0, skip));
  w.own_begin = static_cast<std::size_t>(own_ - buf_abs);
  w.own_end = static_cast<std::size_t>(std::min(end, own_ + chunk_) - buf_abs);
  own_ += chunk_;
  return true;
}

std::vector<pii::Finding> scan_window(const pii::Scanner& scanner, const TextWindow& w,
                                      const pii::ScanOptions& options) {
  auto found = scanner.scan_text(w.buf, options);
  std::erase_if(found, [&](const pii::Finding& f) { return f.begin < w.own_begin || f.begin >= w.own_end; });
  return found;
}

}  // namespace vault::cli::scan
