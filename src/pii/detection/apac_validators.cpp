// Asia-Pacific identifiers: IN Aadhaar / GSTIN / vehicle registration,
// SG NRIC/FIN, AU ABN / ACN / TFN / Medicare, KR RRN / FRN / BRN /
// driver licence, TH national id, PH TIN.
#include "entity_validators.hpp"

#include <algorithm>
#include <cctype>
#include <string>

namespace vault::pii::ev {
namespace {
int two(std::string_view d, std::size_t i) { return (d[i] - '0') * 10 + (d[i + 1] - '0'); }
int weighted(std::string_view d, std::initializer_list<int> w) {
  int sum = 0;
  std::size_t i = 0;
  for (int x : w) sum += (d[i++] - '0') * x;
  return sum;
}
}  // namespace

Verdict in_aadhaar(std::string_view s) {
  auto d = digits_of(s);
  if (d.size() != 12 || d[0] < '2') return Verdict::Reject;
  if (std::equal(d.begin(), d.end(), d.rbegin())) return Verdict::Reject;
  // Some issued numbers in the wild fail Verhoeff: a pass raises the score only.
  return verhoeff_valid(d) ? Verdict::Accept : Verdict::Neutral;
}

Verdict in_gstin(std::string_view s) {
  auto a = alnum_upper(s);
  if (a.size() != 15) return Verdict::Reject;
  if (!std::isdigit(static_cast<unsigned char>(a[0])) || !std::isdigit(static_cast<unsigned char>(a[1])))
    return Verdict::Reject;
  int state = two(a, 0);
  if (state < 1 || state > 37) return Verdict::Reject;
  // Check character: weighted base-36 sum (factors 1,2 alternating).
  static constexpr std::string_view cs = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
  int sum = 0;
  for (std::size_t i = 0; i < 14; ++i) {
    int v = static_cast<int>(cs.find(a[i])) * (i % 2 == 0 ? 1 : 2);
    sum += v / 36 + v % 36;
  }
  char check = cs[static_cast<std::size_t>((36 - sum % 36) % 36)];
  return check == a[14] ? Verdict::Accept : Verdict::Neutral;
}

Verdict in_vehicle(std::string_view s) {
  static constexpr std::string_view states[] = {
      "AN", "AP", "AR", "AS", "BR", "CH", "CG", "DD", "DL", "DN", "GA", "GJ", "HR", "HP", "JH", "JK", "KA", "KL",
      "LA", "LD", "MH", "ML", "MN", "MP", "MZ", "NL", "OD", "OR", "PB", "PY", "RJ", "SK", "TN", "TR", "TS", "UK",
      "UA", "UP", "WB", "BH"};
  auto a = alnum_upper(s);
  if (a.size() < 2) return Verdict::Reject;
  auto st = std::string_view(a).substr(0, 2);
  for (auto x : states)
    if (x == st) return Verdict::Neutral;
  return Verdict::Reject;
}

Verdict sg_nric(std::string_view s) {
  auto a = alnum_upper(s);
  if (a.size() != 9) return Verdict::Reject;
  int sum = weighted(std::string_view(a).substr(1), {2, 7, 6, 5, 4, 3, 2});
  char p = a[0];
  std::string_view table;
  if (p == 'S' || p == 'T') {
    sum += p == 'T' ? 4 : 0;
    table = "JZIHGFEDCBA";
  } else if (p == 'F' || p == 'G') {
    sum += p == 'G' ? 4 : 0;
    table = "XWUTRQPNMLK";
  } else if (p == 'M') {
    sum += 3;
    table = "KLJNPQRTUWX";
  } else {
    return Verdict::Neutral;
  }
  return table[static_cast<std::size_t>(sum % 11)] == a[8] ? Verdict::Accept : Verdict::Neutral;
}

Verdict au_abn(std::string_view s) {
  auto d = digits_of(s);
  if (d.size() != 11) return Verdict::Reject;
  static constexpr int w[11] = {10, 1, 3, 5, 7, 9, 11, 13, 15, 17, 19};
  int sum = 0;
  for (std::size_t i = 0; i < 11; ++i) sum += ((d[i] - '0') - (i == 0 ? 1 : 0)) * w[i];
  return verdict(sum % 89 == 0);
}

Verdict au_acn(std::string_view s) {
  auto d = digits_of(s);
  if (d.size() != 9) return Verdict::Reject;
  int sum = weighted(d, {8, 7, 6, 5, 4, 3, 2, 1});
  return verdict((10 - sum % 10) % 10 == d[8] - '0');
}

Verdict au_tfn(std::string_view s) {
  auto d = digits_of(s);
  if (d.size() != 9) return Verdict::Reject;
  return verdict(weighted(d, {1, 4, 3, 7, 5, 8, 6, 9, 10}) % 11 == 0);
}

Verdict au_medicare(std::string_view s) {
  auto d = digits_of(s);
  if (d.size() != 10 || d[0] < '2' || d[0] > '6') return Verdict::Reject;
  return verdict(weighted(d, {1, 3, 7, 9, 1, 3, 7, 9}) % 10 == d[8] - '0');
}

namespace {
Verdict kr_registration(std::string_view s, std::string_view genders) {
  auto d = digits_of(s);
  if (d.size() != 13) return Verdict::Reject;
  char g = d[6];
  if (genders.find(g) == std::string_view::npos) return Verdict::Reject;
  int century = (g == '1' || g == '2' || g == '5' || g == '6') ? 1900 : 2000;
  if (!date_exists(century + two(d, 0), two(d, 2), two(d, 4))) return Verdict::Reject;
  int sum = weighted(d, {2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5});
  // Numbers issued since 2020 carry no checksum: a match only raises the score.
  return (11 - sum % 11) % 10 == d[12] - '0' ? Verdict::Accept : Verdict::Neutral;
}
}  // namespace

Verdict kr_rrn(std::string_view s) { return kr_registration(s, "1234"); }
Verdict kr_frn(std::string_view s) { return kr_registration(s, "5678"); }

Verdict kr_brn(std::string_view s) {
  auto d = digits_of(s);
  if (d.size() != 10) return Verdict::Reject;
  int sum = weighted(d, {1, 3, 7, 1, 3, 7, 1, 3, 5}) + ((d[8] - '0') * 5) / 10;
  return verdict((10 - sum % 10) % 10 == d[9] - '0');
}

Verdict kr_driver_license(std::string_view s) {
  auto d = digits_of(s);
  if (d.size() != 12) return Verdict::Reject;
  int region = two(d, 0);
  return (region >= 11 && region <= 26) || region == 28 ? Verdict::Neutral : Verdict::Reject;
}

Verdict th_tnin(std::string_view s) {
  auto d = digits_of(s);
  if (d.size() != 13 || d[0] < '1' || d[0] > '8') return Verdict::Reject;
  int prov = two(d, 1);
  bool prov_ok = (prov >= 10 && prov <= 27) || (prov >= 30 && prov <= 58) || (prov >= 60 && prov <= 67) ||
                 (prov >= 70 && prov <= 77) || (prov >= 80 && prov <= 86) || (prov >= 90 && prov <= 96);
  if (!prov_ok) return Verdict::Reject;
  int sum = weighted(d, {13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2});
  return verdict((11 - sum % 11) % 10 == d[12] - '0');
}

Verdict ph_tin(std::string_view s) {
  auto d = digits_of(s);
  if (d.size() != 9 && d.size() != 12) return Verdict::Reject;
  int r = weighted(d, {9, 8, 7, 6, 5, 4, 3, 2}) % 11;
  return verdict(r < 10 && r == d[8] - '0');
}

}  // namespace vault::pii::ev
