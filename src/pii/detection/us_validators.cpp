// United States identifiers: SSN, ITIN, ABA routing, NPI, MBI, DEA number.
#include "entity_validators.hpp"

#include <algorithm>
#include <cctype>
#include <set>

namespace vault::pii {

bool aba_routing_valid(std::string_view text) {
  auto d = digits_of(text);
  if (d.size() != 9) return false;
  static constexpr int w[9] = {3, 7, 1, 3, 7, 1, 3, 7, 1};
  int sum = 0;
  for (int i = 0; i < 9; ++i) sum += (d[static_cast<std::size_t>(i)] - '0') * w[i];
  return sum % 10 == 0 && sum != 0;
}

}  // namespace vault::pii

namespace vault::pii::ev {
namespace {
/// The distinct separator bytes used in s (non-alphanumerics).
std::set<char> separators(std::string_view s) {
  std::set<char> out;
  for (char c : s)
    if (!std::isalnum(static_cast<unsigned char>(c))) out.insert(c);
  return out;
}
}  // namespace

Verdict us_ssn(std::string_view s) {
  if (separators(s).size() > 1) return Verdict::Reject;
  auto d = digits_of(s);
  if (d.size() != 9) return Verdict::Reject;
  if (std::all_of(d.begin(), d.end(), [&](char c) { return c == d[0]; })) return Verdict::Reject;
  if (d.substr(3, 2) == "00" || d.substr(5) == "0000") return Verdict::Reject;
  for (std::string_view bad : {"000", "666", "123456789", "98765432", "078051120"})
    if (std::string_view(d).starts_with(bad)) return Verdict::Reject;
  return Verdict::Neutral;
}

Verdict us_itin(std::string_view s) {
  if (separators(s).size() > 1) return Verdict::Reject;
  auto d = digits_of(s);
  if (d.size() != 9 || d[0] != '9') return Verdict::Reject;
  int g = (d[3] - '0') * 10 + (d[4] - '0');
  bool ok = (g >= 50 && g <= 65) || (g >= 70 && g <= 88) || (g >= 90 && g <= 92) || (g >= 94 && g <= 99);
  return ok ? Verdict::Neutral : Verdict::Reject;
}

Verdict aba_routing(std::string_view s) { return verdict(aba_routing_valid(s)); }

Verdict us_npi(std::string_view s) {
  auto d = digits_of(s);
  if (d.size() != 10 || (d[0] != '1' && d[0] != '2')) return Verdict::Reject;
  return verdict(luhn_valid("80840" + d));
}

Verdict us_mbi(std::string_view s) {
  auto a = alnum_upper(s);
  if (a.size() != 11) return Verdict::Reject;
  auto letter = [](char c) { return c >= 'A' && c <= 'Z' && std::string_view("SLOIBZ").find(c) == std::string_view::npos; };
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  bool ok = a[0] >= '1' && a[0] <= '9' && letter(a[1]) && (letter(a[2]) || digit(a[2])) && digit(a[3]) &&
            letter(a[4]) && (letter(a[5]) || digit(a[5])) && digit(a[6]) && letter(a[7]) && letter(a[8]) &&
            digit(a[9]) && digit(a[10]);
  return verdict(ok);
}

Verdict dea_number(std::string_view s) {
  auto a = alnum_upper(s);
  if (a.size() != 9) return Verdict::Reject;
  auto d = a.substr(2);
  if (!std::all_of(d.begin(), d.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }))
    return Verdict::Reject;
  int sum = (d[0] - '0') + (d[2] - '0') + (d[4] - '0') + 2 * ((d[1] - '0') + (d[3] - '0') + (d[5] - '0'));
  return verdict(sum % 10 == d[6] - '0');
}

}  // namespace vault::pii::ev
