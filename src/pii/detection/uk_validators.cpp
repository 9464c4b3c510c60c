// United Kingdom identifiers: NHS number, National Insurance number,
// driving licence number.
#include "entity_validators.hpp"

#include <array>
#include <cctype>

namespace vault::pii::ev {

Verdict uk_nhs(std::string_view s) {
  auto d = digits_of(s);
  if (d.size() != 10) return Verdict::Reject;
  static constexpr std::array<int, 9> w{10, 9, 8, 7, 6, 5, 4, 3, 2};
  return verdict(weighted_mod11_valid(d, w));
}

Verdict uk_nino(std::string_view s) {
  auto a = alnum_upper(s);
  if (a.size() != 9) return Verdict::Reject;
  std::string_view bad_first = "DFIQUV", bad_second = "DFIQUVO";
  if (bad_first.find(a[0]) != std::string_view::npos || bad_second.find(a[1]) != std::string_view::npos)
    return Verdict::Reject;
  auto prefix = a.substr(0, 2);
  for (std::string_view bad : {"BG", "GB", "NK", "KN", "TN", "NT", "ZZ"})
    if (prefix == bad) return Verdict::Reject;
  if (a[8] < 'A' || a[8] > 'D') return Verdict::Reject;
  return Verdict::Neutral;
}

Verdict uk_driving_licence(std::string_view s) {
  auto a = alnum_upper(s);
  if (a.size() != 16) return Verdict::Reject;
  int month = (a[6] - '0') * 10 + (a[7] - '0');
  if (month > 50) month -= 50;
  int day = (a[8] - '0') * 10 + (a[9] - '0');
  int year = 1900 + (a[5] - '0') * 10 + (a[10] - '0');
  return date_exists(year, month, day) ? Verdict::Neutral : Verdict::Reject;
}

}  // namespace vault::pii::ev
