// Keyed deterministic fakes for the pseudonymize operator.
#include "vault/pii/anonymization/fakes.hpp"

#include "anon_internal.hpp"
#include "vault/pii/detection/validators.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>
#include <string>
#include <vector>

namespace vault::pii {
namespace {

constexpr std::string_view kFirst[] = {
    "Alex",   "Blake",  "Casey",  "Dana",   "Eli",    "Farah",  "Gwen",   "Hugo",   "Ines",   "Jonah",
    "Kira",   "Lena",   "Milo",   "Nadia",  "Omar",   "Priya",  "Quinn",  "Rosa",   "Soren",  "Tara",
    "Umar",   "Vera",   "Wes",    "Xenia",  "Yusuf",  "Zara",   "Arlo",   "Bea",    "Cyrus",  "Delia",
    "Emeka",  "Freya",  "Gideon", "Hana",   "Ivo",    "Juno",   "Kofi",   "Lior",   "Mira",   "Nico",
    "Odile",  "Pavel",  "Rhea",   "Silas",  "Tomas",  "Una",    "Viggo",  "Wren",
};
constexpr std::string_view kLast[] = {
    "Abara",   "Bergstrom", "Castell",  "Draycott", "Eastwood", "Falkner", "Garrow",   "Holloway",
    "Ibarra",  "Jovanovic", "Kowalczyk", "Lindqvist", "Marchetti", "Nakamura", "Okafor", "Pellegrini",
    "Quarles", "Rasmussen", "Sandoval", "Thornbury", "Ulrich",  "Valdivia", "Whitcombe", "Yilmaz",
    "Zeller",  "Ashdown",   "Brannigan", "Corvino",  "Delacroix", "Esterhazy", "Fairweather", "Galloway",
    "Hargreave", "Ivanova", "Kaczmarek", "Lockhart", "Montague", "Northcott", "Oyelaran", "Prewitt",
    "Rutherford", "Stavros", "Tennant", "Underhill", "Vasquez", "Westbrook", "Xiong", "Yardley",
};
constexpr std::string_view kDomains[] = {"example.com", "example.net", "example.org"};

/// A deterministic byte stream: HMAC-SHA256(key, domain || 0 || value || counter).
class KeyedStream {
 public:
  KeyedStream(crypto::ByteView key, std::string_view domain, std::string_view value) : key_(key) {
    seed_ = std::string(domain);
    seed_.push_back('\0');
    seed_ += value;
  }
  std::uint32_t next32() {
    if (pos_ + 4 > buf_.size()) refill();
    std::uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v = (v << 8) | static_cast<unsigned char>(buf_[pos_++]);
    return v;
  }
  /// Uniform in [0, n).
  std::uint32_t below(std::uint32_t n) {
    const std::uint32_t limit = UINT32_MAX - UINT32_MAX % n;
    for (;;) {
      std::uint32_t v = next32();
      if (v < limit) return v % n;
    }
  }
  char digit() { return static_cast<char>('0' + below(10)); }
  char digit_nonzero() { return static_cast<char>('1' + below(9)); }
  char letter(bool upper) { return static_cast<char>((upper ? 'A' : 'a') + below(26)); }

 private:
  void refill() {
    std::string msg = seed_;
    for (int i = 3; i >= 0; --i) msg.push_back(static_cast<char>((counter_ >> (8 * i)) & 0xFF));
    ++counter_;
    buf_ = detail::hmac_sha256(key_, msg);
    pos_ = 0;
  }
  crypto::ByteView key_;
  std::string seed_;
  std::string buf_;
  std::size_t pos_ = 0;
  std::uint32_t counter_ = 0;
};

template <class Array>
std::string_view pick(KeyedStream& r, const Array& a) {
  return a[r.below(static_cast<std::uint32_t>(std::size(a)))];
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_hex(char c) { return is_digit(c) || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f'); }
bool is_upper(char c) { return c >= 'A' && c <= 'Z'; }

std::string lower(std::string_view s) {
  std::string o(s);
  for (auto& c : o) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return o;
}

std::string generic(KeyedStream& r, std::string_view v) {
  std::string o(v);
  for (auto& c : o) {
    if (is_digit(c)) c = r.digit();
    else if (is_alpha(c)) c = r.letter(is_upper(c));
  }
  return o;
}

std::string hex_like(KeyedStream& r, std::string_view v) {
  static constexpr char kHex[] = "0123456789abcdef";
  // Upper-case output only when the input's letters are all upper-case.
  bool any_upper = false, any_lower = false;
  for (char c : v) {
    if (c >= 'A' && c <= 'Z') any_upper = true;
    if (c >= 'a' && c <= 'z') any_lower = true;
  }
  const bool up = any_upper && !any_lower;
  std::string o(v);
  for (auto& c : o) {
    if (!is_hex(c)) continue;
    c = kHex[r.below(16)];
    if (up) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return o;
}

// Writes `digits` into the digit positions of `shape`.
std::string into_digit_positions(std::string_view shape, std::string_view digits) {
  std::string o(shape);
  std::size_t k = 0;
  for (auto& c : o)
    if (is_digit(c) && k < digits.size()) c = digits[k++];
  return o;
}

char luhn_check_digit(std::string_view payload) {
  int sum = 0;
  bool dbl = true;  // the rightmost payload digit is doubled
  for (std::size_t i = payload.size(); i-- > 0;) {
    int d = payload[i] - '0';
    if (dbl) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    dbl = !dbl;
  }
  return static_cast<char>('0' + (10 - sum % 10) % 10);
}

std::string fake_card(KeyedStream& r, std::string_view v) {
  std::string d = digits_of(v);
  if (d.size() < 12 || d.size() > 19) return generic(r, v);
  std::size_t keep = (d[0] == '3' || d[0] == '5') ? 2 : 1;
  std::string out = d.substr(0, keep);
  while (out.size() + 1 < d.size()) out.push_back(r.digit());
  out.push_back(luhn_check_digit(out));
  return into_digit_positions(v, out);
}

std::string fake_phone(KeyedStream& r, std::string_view v) {
  std::string d = digits_of(v);
  if (d.empty()) return generic(r, v);
  std::size_t keep = 0;
  auto first_non_space = v.find_first_not_of(' ');
  if (first_non_space != std::string_view::npos && v[first_non_space] == '+') {
    std::size_t run = 0;
    for (std::size_t i = first_non_space + 1; i < v.size() && is_digit(v[i]); ++i) ++run;
    keep = run <= 3 ? run : 2;
  } else if (d[0] == '0' || d[0] == '1') {
    keep = 1;  // trunk prefix / NANP country code
  }
  keep = std::min(keep, d.size());
  std::string out = d.substr(0, keep);
  if (out.size() < d.size()) out.push_back(static_cast<char>('2' + r.below(8)));
  while (out.size() < d.size()) out.push_back(r.digit());
  return into_digit_positions(v, out);
}

std::string fake_ssn(KeyedStream& r, std::string_view v) {
  if (digits_of(v).size() != 9) return generic(r, v);
  std::uint32_t area;
  do {
    area = 1 + r.below(899);
  } while (area == 666);
  std::uint32_t group = 1 + r.below(99), serial = 1 + r.below(9999);
  char buf[16];
  std::snprintf(buf, sizeof buf, "%03u%02u%04u", area, group, serial);
  return into_digit_positions(v, buf);
}

int mod97(std::string_view alnum) {
  int rem = 0;
  for (char c : alnum) {
    int val = is_digit(c) ? c - '0' : std::toupper(static_cast<unsigned char>(c)) - 'A' + 10;
    rem = val >= 10 ? (rem * 100 + val) % 97 : (rem * 10 + val) % 97;
  }
  return rem;
}

std::string fake_iban(KeyedStream& r, std::string_view v) {
  std::string compact;
  for (char c : v)
    if (is_digit(c) || is_alpha(c)) compact.push_back(c);
  if (compact.size() < 15 || !is_alpha(compact[0]) || !is_alpha(compact[1]) || !is_digit(compact[2]) ||
      !is_digit(compact[3]))
    return generic(r, v);
  std::string cc = compact.substr(0, 2);
  std::string bban = compact.substr(4);
  for (auto& c : bban) c = is_digit(c) ? r.digit() : r.letter(true);
  std::string cc_up = cc;
  for (auto& c : cc_up) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  int check = 98 - mod97(bban + cc_up + "00");
  char ck[8];
  std::snprintf(ck, sizeof ck, "%02d", check);
  std::string fresh = cc + ck + bban;
  // Re-apply the original layout (spaces, case of letters).
  std::string out(v);
  std::size_t k = 0;
  for (auto& c : out) {
    if (!(is_digit(c) || is_alpha(c))) continue;
    char n = fresh[k++];
    c = is_alpha(n) && !is_upper(c) && is_alpha(c) ? static_cast<char>(std::tolower(static_cast<unsigned char>(n))) : n;
  }
  return out;
}

std::string fake_ipv4(KeyedStream& r) {
  std::uint32_t a;
  do {
    a = 1 + r.below(223);
  } while (a == 127 || a == 10);
  return std::to_string(a) + "." + std::to_string(r.below(256)) + "." + std::to_string(r.below(256)) + "." +
         std::to_string(1 + r.below(254));
}

std::string fake_ip(KeyedStream& r, std::string_view v) {
  if (ipv4_valid(v)) return fake_ipv4(r);
  if (v.find(':') != std::string_view::npos) {
    auto last_colon = v.rfind(':');
    auto tail = v.substr(last_colon + 1);
    if (tail.find('.') != std::string_view::npos)
      return hex_like(r, v.substr(0, last_colon + 1)) + fake_ipv4(r);
    return hex_like(r, v);
  }
  return generic(r, v);
}

std::string cased_like(std::string_view sample, std::string name) {
  bool all_upper = true, all_lower = true, any = false;
  for (char c : sample) {
    if (!is_alpha(c)) continue;
    any = true;
    if (is_upper(c)) all_lower = false;
    else all_upper = false;
  }
  if (any && all_upper)
    for (auto& c : name) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  else if (any && all_lower)
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return name;
}

std::string fake_person(KeyedStream& r, std::string_view v) {
  std::size_t words = 0;
  bool in = false;
  for (char c : v) {
    bool sp = c == ' ' || c == '\t';
    if (!sp && !in) ++words;
    in = !sp;
  }
  std::string first(pick(r, kFirst));
  std::string last(pick(r, kLast));
  std::string name;
  if (words <= 1) name = first;
  else if (words == 2) name = first + " " + last;
  else name = first + " " + std::string(1, r.letter(true)) + ". " + last;
  return cased_like(v, name);
}

std::string fake_email(KeyedStream& r) {
  std::string local = lower(pick(r, kFirst)) + "." + lower(pick(r, kLast));
  local += std::to_string(10 + r.below(90));
  return local + "@" + std::string(pick(r, kDomains));
}

// Dates keep their layout and stay valid: the year moves by up to +-10,
// day and month numbers are both drawn from 1..12 (valid in either order),
// time fields stay in range (hour < 24, minutes/seconds < 60).
std::string fake_date(KeyedStream& r, std::string_view v) {
  std::string o(v);
  bool any_digit = false;
  int small_runs = 0, time_runs = 0;
  for (std::size_t i = 0; i < o.size();) {
    if (!is_digit(o[i])) {
      ++i;
      continue;
    }
    any_digit = true;
    std::size_t j = i;
    while (j < o.size() && is_digit(o[j])) ++j;
    const std::size_t len = j - i;
    const bool timeish = (i > 0 && o[i - 1] == ':') || (j < o.size() && o[j] == ':');
    const bool fraction = i > 0 && o[i - 1] == '.' && time_runs >= 2;
    char buf[16];
    if (len == 4 && !timeish) {
      int year = std::stoi(o.substr(i, 4));
      if (year < 1000) year = 1950 + static_cast<int>(r.below(60));
      year += static_cast<int>(r.below(21)) - 10;
      std::snprintf(buf, sizeof buf, "%04d", std::clamp(year, 1000, 9999));
    } else if (timeish && len <= 2) {
      int n = static_cast<int>(r.below(time_runs == 0 ? 24 : 60));
      ++time_runs;
      std::snprintf(buf, sizeof buf, len == 2 ? "%02d" : "%d", len == 1 ? n % 10 : n);
    } else if (len <= 2 && !fraction && small_runs < 2) {
      int n = 1 + static_cast<int>(r.below(len == 1 ? 9 : 12));
      ++small_runs;
      std::snprintf(buf, sizeof buf, len == 2 ? "%02d" : "%d", n);
    } else {
      for (std::size_t k = i; k < j; ++k) o[k] = r.digit();
      i = j;
      continue;
    }
    o.replace(i, len, std::string(buf).substr(0, len));
    i = j;
  }
  return any_digit ? o : generic(r, v);
}

bool ends_with(std::string_view s, std::string_view suffix) { return s.ends_with(suffix); }

std::string generate(KeyedStream& r, std::string_view entity, std::string_view v) {
  if (entity == "EMAIL_ADDRESS") return fake_email(r);
  if (entity == "CREDIT_CARD") return fake_card(r, v);
  if (entity == "PHONE_NUMBER" || ends_with(entity, "_PHONE_NUMBER") || ends_with(entity, "_MOBILE_NUMBER"))
    return fake_phone(r, v);
  if (entity == "US_SSN") return fake_ssn(r, v);
  if (entity == "IBAN_CODE") return fake_iban(r, v);
  if (entity == "IP_ADDRESS") return fake_ip(r, v);
  if (entity == "MAC_ADDRESS") return hex_like(r, v);
  if (entity == "PERSON") return fake_person(r, v);
  if (entity == "DATE_TIME" || entity == "DATE" || entity == "DATE_OF_BIRTH") return fake_date(r, v);
  return generic(r, v);
}

// Last resort when every attempt collided with the input: bump one character.
std::string perturb(std::string s) {
  for (auto& c : s) {
    if (is_digit(c)) {
      c = c == '9' ? '0' : static_cast<char>(c + 1);
      return s;
    }
    if (is_alpha(c)) {
      c = c == 'z' ? 'a' : c == 'Z' ? 'A' : static_cast<char>(c + 1);
      return s;
    }
  }
  return s + "_";
}

}  // namespace

std::string pseudonymize_value(crypto::ByteView key, std::string_view entity, std::string_view value) {
  KeyedStream r(key, entity, value);
  for (int attempt = 0; attempt < 16; ++attempt) {
    std::string out = generate(r, entity, value);
    if (out != value) return out;
  }
  return perturb(std::string(value));
}

}  // namespace vault::pii
