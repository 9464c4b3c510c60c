// libFuzzer target for the input side of `vault scan` (src/cli/scan_*.cpp).
//
// Input: the first byte selects the mode, the second is a parameter, the rest
// is the payload.
//   mode 0: CSV parser. Parsing in one piece and in small random pieces gives
//           the same records; "verbatim" fields really are the raw bytes at
//           their (line, column); formatting the records back (RFC 4180) and
//           reparsing gives the same values.
//   mode 1: overlapping text windows (16..256-byte chunks, input cut at 2 KiB). The owned ranges tile
//           the input, every window is the input bytes at its offset with the
//           right line/column, findings are in bounds and each is reported
//           once (begins strictly increase); when the whole input fits in the
//           look-behind, the union equals a whole-text scan.
//   mode 2: glob matcher. A pattern made of the path with every byte escaped
//           matches the path.
#include "cli/scan_csv.hpp"
#include "cli/scan_files.hpp"
#include "cli/scan_text.hpp"

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

using namespace vault::cli::scan;

namespace {

const vault::pii::Scanner& scanner() {
  static const vault::pii::Scanner s(vault::pii::Catalogue::defaults());
  return s;
}

struct Rec {
  std::vector<CsvField> fields;
};

std::vector<Rec> parse_csv(std::string_view in, std::size_t piece) {
  std::vector<Rec> out;
  CsvParser p;
  auto on = [&](std::vector<CsvField>& r) { out.push_back({r}); };
  if (piece == 0) {
    p.feed(in, on);
  } else {
    for (std::size_t i = 0; i < in.size(); i += piece) p.feed(in.substr(i, piece), on);
  }
  p.finish(on);
  return out;
}

/// Byte offset of 1-based (line, code-point column): the first byte of the
/// line preceded by column - 1 code-point starts (the parser's own model, so
/// stray UTF-8 continuation bytes are counted the same way), or npos.
std::size_t offset_of(std::string_view in, std::uint64_t line, std::uint64_t column) {
  std::size_t i = 0;
  for (std::uint64_t l = 1; l < line; ++l) {
    i = in.find('\n', i);
    if (i == std::string_view::npos) return i;
    ++i;
  }
  std::uint64_t col = 1;
  for (; col < column; ++i) {
    if (i >= in.size() || in[i] == '\n') return std::string_view::npos;
    if ((static_cast<unsigned char>(in[i]) & 0xC0) != 0x80) ++col;
  }
  return i;
}

void fuzz_csv(std::string_view in, unsigned param) {
  auto whole = parse_csv(in, 0);
  auto pieces = parse_csv(in, 1 + param % 7);
  if (whole.size() != pieces.size()) std::abort();
  std::string again;
  for (std::size_t r = 0; r < whole.size(); ++r) {
    const auto& a = whole[r].fields;
    const auto& b = pieces[r].fields;
    if (a.size() != b.size() || a.empty()) std::abort();
    std::vector<std::string> values;
    for (std::size_t i = 0; i < a.size(); ++i) {
      if (a[i].value != b[i].value || a[i].line != b[i].line || a[i].column != b[i].column ||
          a[i].verbatim != b[i].verbatim)
        std::abort();
      if (a[i].verbatim) {
        auto off = offset_of(in, a[i].line, a[i].column);
        if (off == std::string_view::npos && !a[i].value.empty()) std::abort();
        if (!a[i].value.empty() && in.substr(off, a[i].value.size()) != a[i].value) std::abort();
      }
      values.push_back(a[i].value);
    }
    again += csv_format_record(values) + "\n";
  }
  auto round = parse_csv(again, 0);
  if (round.size() != whole.size()) std::abort();
  for (std::size_t r = 0; r < whole.size(); ++r) {
    if (round[r].fields.size() != whole[r].fields.size()) std::abort();
    for (std::size_t i = 0; i < round[r].fields.size(); ++i)
      if (round[r].fields[i].value != whole[r].fields[i].value) std::abort();
  }
}

void fuzz_text(std::string_view in, unsigned param) {
  std::size_t chunk = 16 + param % 241;
  std::size_t off = 0;
  TextWindower windows(
      [&](char* p, std::size_t n) -> long {
        std::size_t k = std::min(n, in.size() - off);
        std::memcpy(p, in.data() + off, k);
        off += k;
        return static_cast<long>(k);
      },
      chunk);
  vault::pii::ScanOptions o;
  std::vector<std::pair<std::size_t, std::string>> found;  // absolute begin, entity
  std::uint64_t owned_to = 0;
  bool last_begin_set = false;
  std::uint64_t last_begin = 0;
  TextWindow w;
  while (windows.next(w)) {
    if (w.abs + w.own_begin != owned_to || w.own_end <= w.own_begin || w.own_end > w.buf.size()) std::abort();
    owned_to = w.abs + w.own_end;
    if (in.substr(w.abs, w.buf.size()) != w.buf) std::abort();
    TextPos p;
    p.advance(in.substr(0, w.abs));
    if (p.line != w.pos.line || p.column != w.pos.column) std::abort();
    for (const auto& f : scan_window(scanner(), w, o)) {
      if (f.begin >= f.end || f.end > w.buf.size() || f.begin < w.own_begin || f.begin >= w.own_end) std::abort();
      std::uint64_t b = w.abs + f.begin;
      if (last_begin_set && b <= last_begin) std::abort();
      last_begin = b;
      last_begin_set = true;
      found.emplace_back(b, f.entity);
    }
  }
  if (windows.failed() || owned_to != in.size()) std::abort();
  if (in.size() <= TextWindower::kBefore) {
    auto ref = scanner().scan_text(in, o);
    if (ref.size() != found.size()) std::abort();
    for (std::size_t i = 0; i < ref.size(); ++i)
      if (ref[i].begin != found[i].first || ref[i].entity != found[i].second) std::abort();
  }
}

void fuzz_glob(std::string_view in) {
  std::string path(in.substr(0, std::min<std::size_t>(in.size(), 256)));
  if (path.find('\0') != std::string::npos) path.resize(path.find('\0'));
  std::string pattern;
  for (char c : path) {
    pattern.push_back('\\');
    pattern.push_back(c);
  }
  if (!glob_matches(pattern, path)) std::abort();
  (void)glob_matches(std::string(in.substr(0, 64)), path);  // arbitrary pattern: must not crash
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  std::string_view payload(reinterpret_cast<const char*>(data + 2), size - 2);
  switch (data[0] % 3) {
    case 0: fuzz_csv(payload, data[1]); break;
    case 1: fuzz_text(payload.substr(0, 2048), data[1]); break;
    default: fuzz_glob(payload); break;
  }
  return 0;
}
