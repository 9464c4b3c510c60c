// Validators of the generic entities (cards, IBAN, crypto, network, dates,
// phone numbers, e-mail, JWT).
#include "card_ranges.hpp"
#include "entity_validators.hpp"
#include "ner_dictionary.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <string>
#include <vector>

namespace vault::pii::ev {
namespace {

int to_int(std::string_view s) {
  int v = 0;
  auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  return r.ec == std::errc() && r.ptr == s.data() + s.size() ? v : -1;
}

/// Splits on any non-alphanumeric byte.
std::vector<std::string_view> fields(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && !std::isalnum(static_cast<unsigned char>(s[i]))) ++i;
    std::size_t b = i;
    while (i < s.size() && std::isalnum(static_cast<unsigned char>(s[i]))) ++i;
    if (i > b) out.push_back(s.substr(b, i - b));
  }
  return out;
}

int month_from_name(std::string_view s) {
  static constexpr std::string_view names[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                               "jul", "aug", "sep", "oct", "nov", "dec"};
  if (s.size() < 3) return 0;
  std::string l;
  for (std::size_t i = 0; i < 3; ++i) l.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(s[i]))));
  for (int i = 0; i < 12; ++i)
    if (names[i] == l) return i + 1;
  return 0;
}

}  // namespace

Verdict credit_card(std::string_view s) {
  // One kind of separator at most ("4111 1111-1111 1111" is not written on a card).
  const bool spaces = s.find(' ') != std::string_view::npos, dashes = s.find('-') != std::string_view::npos;
  if (spaces && dashes) return Verdict::Reject;
  auto d = digits_of(s);
  if (d.size() < 12 || d.size() > 19) return Verdict::Reject;
  return verdict(card_number_in_issued_range(d) && luhn_valid(d));
}

Verdict iban(std::string_view s) {
  // Mixed case inside one IBAN ("LV80 bANK") is a typo or not an IBAN at all.
  bool lower = false, upper = false;
  for (char c : s.substr(std::min<std::size_t>(s.size(), 4))) {
    if (c >= 'a' && c <= 'z') lower = true;
    if (c >= 'A' && c <= 'Z') upper = true;
  }
  if (lower && upper) return Verdict::Reject;
  return verdict(iban_valid(s));
}

Verdict crypto(std::string_view s) {
  if (s.starts_with("bc1") || s.starts_with("BC1") || s.starts_with("tb1")) return verdict(bech32_address_valid(s));
  return verdict(base58check_valid(s));
}

namespace {
bool prefix_ok(std::string_view s, int max) {
  auto slash = s.rfind('/');
  if (slash == std::string_view::npos) return true;
  int p = to_int(s.substr(slash + 1));
  return p >= 0 && p <= max;
}
std::string_view strip_prefix(std::string_view s) {
  auto slash = s.rfind('/');
  return slash == std::string_view::npos ? s : s.substr(0, slash);
}
}  // namespace

Verdict ipv4(std::string_view s) { return verdict(prefix_ok(s, 32) && ipv4_valid(strip_prefix(s))); }

Verdict ipv6(std::string_view s) {
  if (s.find(':') == std::string_view::npos) return Verdict::Reject;
  return verdict(prefix_ok(s, 128) && ipv6_valid(strip_prefix(s)));
}

Verdict mac(std::string_view s) {
  std::string hex = alnum_upper(s);
  if (hex.size() != 12) return Verdict::Reject;
  if (hex == "FFFFFFFFFFFF" || hex == "000000000000") return Verdict::Reject;
  return Verdict::Accept;
}

Verdict date(std::string_view s) {
  // Validates the numeric forms we can interpret; other forms stay neutral.
  auto f = fields(s);
  if (f.size() >= 3 && std::isdigit(static_cast<unsigned char>(f[0][0])) &&
      std::isdigit(static_cast<unsigned char>(f[1][0])) && std::isdigit(static_cast<unsigned char>(f[2][0]))) {
    int a = to_int(f[0]), b = to_int(f[1]), c = to_int(f[2]);
    if (f[2].size() > 2 && f[2].find('T') != std::string_view::npos) c = to_int(f[2].substr(0, 2));
    if (f[0].size() == 4) return verdict(date_exists(a, b, c));  // Y-M-D
    if (a < 0 || b < 0 || c < 0) return Verdict::Neutral;
    int y = f[2].size() == 2 ? 2000 + c : c;
    if (f[2].size() != 2 && f[2].size() != 4) return Verdict::Reject;
    bool mdy = date_exists(y, a, b), dmy = date_exists(y, b, a);
    return (mdy || dmy) ? Verdict::Neutral : Verdict::Reject;
  }
  if (f.size() == 2 && std::isdigit(static_cast<unsigned char>(f[0][0])) &&
      std::isdigit(static_cast<unsigned char>(f[1][0]))) {
    int a = to_int(f[0]), b = to_int(f[1]);
    // M/YY, M/YYYY, or D.M
    return (a >= 1 && a <= 12) || (b >= 1 && b <= 12) ? Verdict::Neutral : Verdict::Reject;
  }
  if (f.size() == 2) {
    int m = month_from_name(f[0]) ? month_from_name(f[0]) : month_from_name(f[1]);
    return m ? Verdict::Neutral : Verdict::Reject;
  }
  return Verdict::Neutral;
}

Verdict phone(std::string_view s) {
  auto x = s.find_first_of("xX");
  auto d = digits_of(s.substr(0, x));
  // E.164: at most 15 digits. At least 7, or 6 written as three pairs (the
  // 6-digit national numbers of Greenland and the Faroe Islands).
  const bool pairs = d.size() == 6 && s.size() == 8 && (s[2] == ' ' || s[2] == '.') && s[5] == s[2];
  if ((d.size() < 7 && !pairs) || d.size() > 15) return Verdict::Reject;
  // A run of one repeated digit is not a phone number.
  if (std::all_of(d.begin(), d.end(), [&](char c) { return c == d[0]; })) return Verdict::Reject;
  return Verdict::Neutral;
}

Verdict url(std::string_view s) {
  auto host = s;
  if (!host.empty() && (host[0] == '"' || host[0] == '\'')) host.remove_prefix(1);
  if (auto p = host.find("://"); p != std::string_view::npos) host = host.substr(p + 3);
  if (host.empty() || host[0] == '.' || host[0] == '-') return Verdict::Reject;
  auto end = host.find_first_of("/:?#\"'");
  host = host.substr(0, end);
  if (host.find("..") != std::string_view::npos || host.find('.') == std::string_view::npos) return Verdict::Reject;
  return Verdict::Neutral;
}

namespace {
/// The words of a street-address candidate (letters, apostrophes, periods), digits and punctuation apart.
std::vector<std::string> address_words(std::string_view s) {
  std::vector<std::string> words;
  std::string w;
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (std::isalpha(u) || u >= 0x80 || c == '.' || c == '\'') {
      w.push_back(static_cast<char>(std::tolower(u)));
    } else if (!w.empty()) {
      words.push_back(std::move(w));
      w.clear();
    }
  }
  if (!w.empty()) words.push_back(std::move(w));
  return words;
}

bool month_name(std::string w) {
  if (!w.empty() && w.back() == '.') w.pop_back();
  static constexpr std::string_view kMonths[] = {
      "january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november",
      "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec"};
  return std::find(std::begin(kMonths), std::end(kMonths), w) != std::end(kMonths);
}

/// "c.f.r." / "u.s.c.": letters each followed by a period.
bool initials(std::string_view w) {
  if (w.size() < 4) return false;
  for (std::size_t i = 0; i < w.size(); ++i)
    if ((i % 2 == 1) != (w[i] == '.')) return false;
  return true;
}
}  // namespace

Verdict address(std::string_view s) {
  // "apt 1.5" (the tool) and "box1" are no units: "apt" in lower case takes
  // its period ("apt. 731"; "APT 2" and "Apt 2" are units), and a unit word
  // is followed by a space, a period or '#', not glued to its number.
  if (s.starts_with("apt") && s.size() > 3 && s[3] != '.') return Verdict::Reject;
  for (std::string_view unit : {"apt", "box", "suite", "unit", "flat", "room", "floor"})
    if (s.size() > unit.size() && std::equal(unit.begin(), unit.end(), s.begin(), [](char a, char b) {
          return a == std::tolower(static_cast<unsigned char>(b));
        }) && std::isdigit(static_cast<unsigned char>(s[unit.size()])))
      return Verdict::Reject;
  const auto words = address_words(s);
  // "33 EST 1989", "0 COL 0": a short word in capitals between numbers is a code, not a street.
  if (words.size() == 1 && words[0].size() <= 4 && std::isdigit(static_cast<unsigned char>(s[0]))) {
    std::size_t b = s.find_first_not_of("0123456789 ");
    bool caps = b != std::string_view::npos;
    for (std::size_t k = b; caps && k < s.size() && std::isalpha(static_cast<unsigned char>(s[k])); ++k)
      caps = std::isupper(static_cast<unsigned char>(s[k]));
    if (caps) return Verdict::Reject;
  }
  // "29 June 2007", "1024 Jun 17" are dates; "48 C.F.R. 227" a legal citation.
  if (!words.empty() && std::all_of(words.begin(), words.end(), [](const std::string& w) {
        return month_name(w) || initials(w) || w == "§";
      }))
    return Verdict::Reject;
  // The words a street or unit may start with ("Rue des Lilas 7", "Suite 210").
  static constexpr std::string_view kStreetStarts[] = {
      "rue",   "via",      "viale", "ul",      "ul.",     "trg",     "rua",    "av",        "av.",     "al",
      "al.",   "bd",       "bd.",   "calle",   "avenida", "avenue",  "corso",  "piazza",    "plaza",   "paseo",
      "camino", "strada",  "ulica", "boulevard", "chemin", "rambla", "largo",  "zona",      "allee",   "place",
      "utca",  "travessa", "estrada", "aleja", "apt",     "apt.",    "apartment", "ste",    "ste.",    "suite",
      "box",   "psc",      "cmr",   "unit",    "flat",    "room",    "fl",     "fl.",       "floor",   "apo",
      "fpo",   "dpo",      "p.o.",  "po",      "p."};
  auto street_start = [](std::string_view w) {
    return std::find(std::begin(kStreetStarts), std::end(kStreetStarts), w) != std::end(kStreetStarts);
  };
  auto space = s.find(' ');
  if (space == std::string_view::npos || std::isdigit(static_cast<unsigned char>(s[0]))) return Verdict::Neutral;
  // A compound street word ("Rosenvej") must be more than its street-type
  // suffix: "tie 5" or "ring 3" alone are not addresses.
  if (space < 5) {
    std::string first;
    for (char c : s.substr(0, space)) first.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    if (!street_start(first)) return Verdict::Reject;
  }
  // A compound street word ("Rosenvej 12") that is a common English word
  // ending like one ("string 0", "spring 5": "-ring") is none.
  const std::string first = ner::fold(s.substr(0, space));
  auto it = ner::dictionaries().word_flags.find(first);
  if (!street_start(first) && it != ner::dictionaries().word_flags.end() && (it->second & ner::Dictionaries::Common))
    return Verdict::Reject;
  return Verdict::Neutral;
}

Verdict email(std::string_view s) {
  auto at = s.find('@');
  if (at == std::string_view::npos || at == 0) return Verdict::Reject;
  auto domain = s.substr(at + 1);
  if (domain.find("..") != std::string_view::npos || domain.starts_with('.') || domain.starts_with('-'))
    return Verdict::Reject;
  return Verdict::Neutral;
}

namespace {
std::string b64url_decode(std::string_view s) {
  std::string out;
  unsigned buf = 0;
  int bits = 0;
  for (char c : s) {
    int v;
    if (c >= 'A' && c <= 'Z') v = c - 'A';
    else if (c >= 'a' && c <= 'z') v = c - 'a' + 26;
    else if (c >= '0' && c <= '9') v = c - '0' + 52;
    else if (c == '-' || c == '+') v = 62;
    else if (c == '_' || c == '/') v = 63;
    else break;
    buf = (buf << 6) | static_cast<unsigned>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((buf >> bits) & 0xff));
    }
  }
  return out;
}
}  // namespace

Verdict jwt(std::string_view s) {
  auto dot = s.find('.');
  if (dot == std::string_view::npos) return Verdict::Reject;
  auto header = b64url_decode(s.substr(0, dot));
  return verdict(header.starts_with("{") && header.find("\"alg\"") != std::string::npos);
}

Verdict has_digit_and_letter(std::string_view s) {
  bool d = false, l = false;
  for (char c : s) {
    if (std::isdigit(static_cast<unsigned char>(c))) d = true;
    if (std::isalpha(static_cast<unsigned char>(c))) l = true;
  }
  return d && l ? Verdict::Neutral : Verdict::Reject;
}

}  // namespace vault::pii::ev
