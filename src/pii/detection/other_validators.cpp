// Other national identifiers: TR TCKN, ZA ID number, CA SIN.
#include "entity_validators.hpp"

#include <cctype>
#include <set>

namespace vault::pii::ev {

Verdict tr_tckn(std::string_view s) {
  auto d = digits_of(s);
  if (d.size() != 11 || d[0] == '0') return Verdict::Reject;
  int odd = 0, even = 0, all = 0;
  for (std::size_t i = 0; i < 9; ++i) (i % 2 == 0 ? odd : even) += d[i] - '0';
  int d10 = ((odd * 7 - even) % 10 + 10) % 10;
  if (d10 != d[9] - '0') return Verdict::Reject;
  for (std::size_t i = 0; i < 10; ++i) all += d[i] - '0';
  return verdict(all % 10 == d[10] - '0');
}

Verdict za_id(std::string_view s) {
  auto d = digits_of(s);
  if (d.size() != 13) return Verdict::Reject;
  int yy = (d[0] - '0') * 10 + (d[1] - '0'), mm = (d[2] - '0') * 10 + (d[3] - '0'),
      dd = (d[4] - '0') * 10 + (d[5] - '0');
  if (!date_exists(1900 + yy, mm, dd) && !date_exists(2000 + yy, mm, dd)) return Verdict::Reject;
  if (d[10] > '2') return Verdict::Reject;
  return verdict(luhn_valid(d));
}

Verdict ca_sin(std::string_view s) {
  std::set<char> seps;
  for (char c : s)
    if (!std::isdigit(static_cast<unsigned char>(c))) seps.insert(c);
  if (seps.size() > 1) return Verdict::Reject;
  auto d = digits_of(s);
  if (d.size() != 9 || d[0] == '0' || d[0] == '8') return Verdict::Reject;
  return verdict(luhn_valid(d));
}

}  // namespace vault::pii::ev
