// libFuzzer target for the PII scanner and the JSON walker.
//
// Input: first byte selects the mode (even: plain text, odd: JSON document),
// the rest is the payload. Checks the finding invariants: spans inside the
// input, begin < end, scores in [0, 1], code-point offsets consistent.
#include "vault/pii/detection/scanner.hpp"

#include <boost/json.hpp>

#include <cstdint>
#include <cstdlib>
#include <string_view>

using namespace vault::pii;

namespace {

const Scanner& scanner() {
  static const Scanner s(Catalogue::defaults());
  return s;
}

std::size_t code_points(std::string_view s) {
  std::size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

void check(const Finding& f, std::string_view text) {
  if (f.begin >= f.end || f.end > text.size()) std::abort();
  if (!(f.score >= 0.0 && f.score <= 1.0)) std::abort();
  if (f.cp_begin != code_points(text.substr(0, f.begin))) std::abort();
  if (f.cp_end - f.cp_begin != code_points(text.substr(f.begin, f.end - f.begin))) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const bool json = data[0] & 1;
  ScanOptions o;
  o.code_point_offsets = true;
  o.resolve_overlaps = (data[0] & 2) == 0;
  o.use_context = (data[0] & 4) == 0;
  std::string_view payload(reinterpret_cast<const char*>(data + 1), size - 1);
  if (!json) {
    auto fs = scanner().scan_text(payload, o);
    for (std::size_t i = 0; i < fs.size(); ++i) {
      check(fs[i], payload);
      if (i > 0 && fs[i].begin < fs[i - 1].begin) std::abort();  // sorted by start
      if (o.resolve_overlaps && i > 0 && fs[i].begin < fs[i - 1].end) std::abort();  // no overlaps left
    }
    return 0;
  }
  boost::system::error_code ec;
  boost::json::parse_options po;
  po.max_depth = 512;
  auto v = boost::json::parse(payload, ec, {}, po);
  if (ec) return 0;
  for (const auto& jf : scanner().scan_json(v, o)) {
    if (!jf.path.empty() && jf.path[0] != '/') std::abort();
    auto* target = v.find_pointer(jf.path, ec);
    if (ec || !target) std::abort();  // every reported pointer resolves
    if (target->is_string()) check(jf.finding, target->get_string());
  }
  return 0;
}
