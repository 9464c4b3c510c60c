// German identifiers: Steuer-ID, Steuernummer, USt-IdNr., KVNR (health
// insurance), LANR, ICAO-format ID card / passport numbers,
// Rentenversicherungsnummer, Postleitzahl.
#include "entity_validators.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <string>

namespace vault::pii::ev {
namespace {
int two(std::string_view d, std::size_t i) { return (d[i] - '0') * 10 + (d[i + 1] - '0'); }
int cross_sum(int v) {
  int s = 0;
  for (; v; v /= 10) s += v % 10;
  return s;
}
}  // namespace

Verdict de_tax_id(std::string_view s) {
  auto d = digits_of(s);
  if (d.size() != 11 || d[0] == '0') return Verdict::Reject;
  std::array<int, 10> counts{};
  for (std::size_t i = 0; i < 10; ++i) ++counts[static_cast<std::size_t>(d[i] - '0')];
  if (*std::max_element(counts.begin(), counts.end()) > 3) return Verdict::Reject;
  return verdict(iso7064_mod11_10_valid(d));
}

Verdict de_tax_number(std::string_view s) {
  auto d = digits_of(s);
  if (s.find('/') != std::string_view::npos) return d.size() >= 10 && d.size() <= 11 ? Verdict::Neutral : Verdict::Reject;
  if (d.size() != 13) return d.size() >= 10 && d.size() <= 11 ? Verdict::Neutral : Verdict::Reject;
  int land = two(d, 0);
  return land >= 1 && land <= 16 ? Verdict::Neutral : Verdict::Reject;
}

Verdict de_vat_id(std::string_view s) {
  auto a = alnum_upper(s);
  if (a.size() != 11 || !a.starts_with("DE")) return Verdict::Reject;
  auto d = a.substr(2);
  if (digits_of(d).size() != 9 || d[0] == '0') return Verdict::Reject;
  return verdict(iso7064_mod11_10_valid(d));
}

Verdict de_health_insurance(std::string_view s) {
  auto a = alnum_upper(s);
  if (a.size() != 10 || a[0] < 'A' || a[0] > 'Z') return Verdict::Reject;
  std::string d;
  int l = a[0] - 'A' + 1;
  d.push_back(static_cast<char>('0' + l / 10));
  d.push_back(static_cast<char>('0' + l % 10));
  d += a.substr(1, 8);
  if (digits_of(d).size() != 10 || !std::isdigit(static_cast<unsigned char>(a[9]))) return Verdict::Reject;
  int sum = 0;
  for (std::size_t i = 0; i < 10; ++i) sum += cross_sum((d[i] - '0') * (i % 2 == 0 ? 1 : 2));
  return verdict(sum % 10 == a[9] - '0');
}

Verdict de_lanr(std::string_view s) {
  auto d = digits_of(s);
  if (d.size() != 9) return Verdict::Reject;
  static constexpr int w[6] = {4, 9, 4, 9, 4, 9};
  int sum = 0;
  for (std::size_t i = 0; i < 6; ++i) sum += (d[i] - '0') * w[i];
  return verdict((10 - sum % 10) % 10 == d[6] - '0');
}

Verdict de_icao_document(std::string_view s) {
  auto a = alnum_upper(s);
  if (a.size() != 9) return Verdict::Reject;
  static constexpr std::string_view allowed = "CFGHJKLMNPRTVWXYZ0123456789";
  if (std::string_view("CFGHJKLMNPRTVWXYZ").find(a[0]) == std::string_view::npos) return Verdict::Reject;
  for (char c : a)
    if (allowed.find(c) == std::string_view::npos) return Verdict::Reject;
  return verdict(icao9303_valid(a));
}

Verdict de_social_security(std::string_view s) {
  auto a = alnum_upper(s);
  if (a.size() != 12 || a[8] < 'A' || a[8] > 'Z') return Verdict::Reject;
  int day = two(a, 2), month = two(a, 4);
    // day + 50 marks a second number issued for the same birth date
  if (day > 50) day -= 50;
  if (day < 1 || day > 31 || month < 1 || month > 12) return Verdict::Reject;
  int l = a[8] - 'A' + 1;
  std::string d = a.substr(0, 8);
  d.push_back(static_cast<char>('0' + l / 10));
  d.push_back(static_cast<char>('0' + l % 10));
  d += a.substr(9, 2);
  static constexpr int w[12] = {2, 1, 2, 5, 7, 1, 2, 1, 2, 1, 2, 1};
  int sum = 0;
  for (std::size_t i = 0; i < 12; ++i) sum += cross_sum((d[i] - '0') * w[i]);
  return verdict(sum % 10 == a[11] - '0');
}

Verdict de_plz(std::string_view s) {
  auto d = digits_of(s);
  if (d.size() != 5) return Verdict::Reject;
  int v = std::stoi(d);
  return v >= 1001 && v <= 99998 ? Verdict::Neutral : Verdict::Reject;
}

}  // namespace vault::pii::ev
