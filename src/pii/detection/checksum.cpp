// Generic checksum families: Luhn, Verhoeff, ISO 7064 variants, ICAO 9303,
// weighted mod 11, Shannon entropy.
#include "vault/pii/detection/validators.hpp"

#include <array>
#include <cmath>

namespace vault::pii {

namespace {
bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}
int alnum_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'Z') return c - 'A' + 10;
  if (c >= 'a' && c <= 'z') return c - 'a' + 10;
  return -1;
}
}  // namespace

std::string digits_of(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s)
    if (c >= '0' && c <= '9') out.push_back(c);
  return out;
}

std::string alnum_upper(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if (c >= 'a' && c <= 'z') out.push_back(static_cast<char>(c - 32));
    else if ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) out.push_back(c);
  }
  return out;
}

bool luhn_valid(std::string_view d) {
  if (!all_digits(d)) return false;
  int sum = 0;
  bool dbl = false;
  for (auto it = d.rbegin(); it != d.rend(); ++it) {
    int v = *it - '0';
    if (dbl) {
      v *= 2;
      if (v > 9) v -= 9;
    }
    sum += v;
    dbl = !dbl;
  }
  return sum % 10 == 0;
}

bool verhoeff_valid(std::string_view d) {
  static constexpr std::array<std::array<int, 10>, 10> mul{{
      {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 2, 3, 4, 0, 6, 7, 8, 9, 5},
      {2, 3, 4, 0, 1, 7, 8, 9, 5, 6}, {3, 4, 0, 1, 2, 8, 9, 5, 6, 7},
      {4, 0, 1, 2, 3, 9, 5, 6, 7, 8}, {5, 9, 8, 7, 6, 0, 4, 3, 2, 1},
      {6, 5, 9, 8, 7, 1, 0, 4, 3, 2}, {7, 6, 5, 9, 8, 2, 1, 0, 4, 3},
      {8, 7, 6, 5, 9, 3, 2, 1, 0, 4}, {9, 8, 7, 6, 5, 4, 3, 2, 1, 0}}};
  static constexpr std::array<std::array<int, 10>, 8> perm{{
      {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 5, 7, 6, 2, 8, 3, 0, 9, 4},
      {5, 8, 0, 3, 7, 9, 6, 1, 4, 2}, {8, 9, 1, 6, 0, 4, 3, 5, 2, 7},
      {9, 4, 5, 3, 1, 2, 8, 7, 6, 0}, {4, 2, 8, 6, 5, 7, 3, 9, 0, 1},
      {2, 7, 9, 3, 8, 0, 6, 4, 1, 5}, {7, 0, 4, 6, 9, 1, 3, 2, 5, 8}}};
  if (!all_digits(d)) return false;
  int c = 0;
  std::size_t i = 0;
  for (auto it = d.rbegin(); it != d.rend(); ++it, ++i) c = mul[c][perm[i % 8][*it - '0']];
  return c == 0;
}

bool iso7064_mod11_10_valid(std::string_view d) {
  if (d.size() < 2 || !all_digits(d)) return false;
  int p = 10;
  for (std::size_t i = 0; i + 1 < d.size(); ++i) {
    int s = (d[i] - '0' + p) % 10;
    if (s == 0) s = 10;
    p = (2 * s) % 11;
  }
  int check = (11 - p) % 10;
  return check == d.back() - '0';
}

bool iso7064_mod97_10_valid(std::string_view s) {
  if (s.empty()) return false;
  int rem = 0;
  for (char c : s) {
    int v = alnum_value(c);
    if (v < 0) return false;
    rem = v >= 10 ? (rem * 100 + v) % 97 : (rem * 10 + v) % 97;
  }
  return rem == 1;
}

bool iso7064_mod37_36_valid(std::string_view s) {
  if (s.size() < 2) return false;
  int p = 36;
  for (std::size_t i = 0; i + 1 < s.size(); ++i) {
    int v = alnum_value(s[i]);
    if (v < 0 || (s[i] >= 'a' && s[i] <= 'z')) return false;
    int t = (v + p) % 36;
    if (t == 0) t = 36;
    p = (2 * t) % 37;
  }
  int check = (37 - p) % 36;
  return alnum_value(s.back()) == check;
}

bool icao9303_valid(std::string_view s) {
  if (s.size() < 2) return false;
  static constexpr int w[3] = {7, 3, 1};
  int sum = 0;
  for (std::size_t i = 0; i + 1 < s.size(); ++i) {
    int v = s[i] == '<' ? 0 : alnum_value(s[i]);
    if (v < 0) return false;
    sum += v * w[i % 3];
  }
  char last = s.back();
  return last >= '0' && last <= '9' && sum % 10 == last - '0';
}

bool weighted_mod11_valid(std::string_view d, std::span<const int> weights) {
  if (d.size() < weights.size() + 1 || !all_digits(d)) return false;
  int sum = 0;
  for (std::size_t i = 0; i < weights.size(); ++i) sum += (d[i] - '0') * weights[i];
  int check = (11 - sum % 11) % 11;
  if (check == 10) return false;
  return check == d[weights.size()] - '0';
}

double shannon_entropy(std::string_view s) {
  if (s.empty()) return 0;
  std::array<int, 256> counts{};
  for (unsigned char c : s) ++counts[c];
  double h = 0;
  const double n = static_cast<double>(s.size());
  for (int c : counts)
    if (c) {
      double p = c / n;
      h -= p * std::log2(p);
    }
  return h;
}

}  // namespace vault::pii
