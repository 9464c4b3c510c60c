// The mask operator.
#include "anon_internal.hpp"

#include <algorithm>
#include <vector>

namespace vault::pii::detail {
namespace {

struct CodePoint {
  std::size_t begin, len;
  bool maskable, digit;
};

std::vector<CodePoint> code_points(std::string_view s, bool mask_separators) {
  std::vector<CodePoint> out;
  for (std::size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    std::size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 1;
    len = std::min(len, s.size() - i);
    bool alnum = (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
    bool maskable = mask_separators ? c != ' ' : (alnum || c >= 0x80);
    out.push_back({i, len, maskable, c >= '0' && c <= '9'});
    i += len;
  }
  return out;
}

}  // namespace

std::string mask_value(std::string_view value, const OperatorSpec& spec) {
  auto cps = code_points(value, spec.mask_separators);
  std::vector<std::size_t> maskable;
  std::size_t digits = 0;
  for (std::size_t i = 0; i < cps.size(); ++i)
    if (cps[i].maskable) {
      maskable.push_back(i);
      if (cps[i].digit) ++digits;
    }
  const std::size_t n = maskable.size();
  const std::size_t keep_last = spec.keep_last.value_or(digits * 2 >= n && n > 0 ? 4 : 0);
  std::size_t keep_first = spec.keep_first;
  std::size_t kl = keep_last;
  // Keeping would expose the whole value: mask everything instead.
  if (keep_first + kl >= n) keep_first = kl = 0;
  std::size_t lo = keep_first, hi = n - kl;  // candidates maskable[lo, hi)
  std::size_t count = std::min(spec.chars_to_mask.value_or(hi - lo), hi - lo);
  if (spec.from_end) lo = hi - count;
  else hi = lo + count;
  std::vector<bool> masked(cps.size(), false);
  for (std::size_t i = lo; i < hi; ++i) masked[maskable[i]] = true;
  std::string out;
  out.reserve(value.size());
  for (std::size_t i = 0; i < cps.size(); ++i) {
    if (masked[i]) out += spec.mask_char;
    else out.append(value.substr(cps[i].begin, cps[i].len));
  }
  return out;
}

}  // namespace vault::pii::detail
