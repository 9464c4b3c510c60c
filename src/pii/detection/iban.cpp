// IBAN: per-country length and BBAN structure (IBAN registry notation:
// n = digits, a = upper-case letters, c = alphanumerics) and ISO 7064 mod 97.
#include "vault/pii/detection/validators.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace vault::pii {
namespace {

struct IbanCountry {
  std::string_view code;
  int length;
  std::string_view bban;  // e.g. "8n16c"
};

constexpr IbanCountry kCountries[] = {
    {"AD", 24, "4n4n12c"},     {"AE", 23, "3n16n"},        {"AL", 28, "8n16c"},
    {"AT", 20, "5n11n"},       {"AZ", 28, "4a20c"},        {"BA", 20, "3n3n8n2n"},
    {"BE", 16, "3n7n2n"},      {"BG", 22, "4a4n2n8c"},     {"BH", 22, "4a14c"},
    {"BI", 27, "5n5n11n2n"},   {"BR", 29, "8n5n10n1a1c"},  {"BY", 28, "4c4n16c"},
    {"CH", 21, "5n12c"},       {"CR", 22, "4n14n"},        {"CY", 28, "3n5n16c"},
    {"CZ", 24, "4n6n10n"},     {"DE", 22, "8n10n"},        {"DJ", 27, "5n5n11n2n"},
    {"DK", 18, "4n9n1n"},      {"DO", 28, "4c20n"},        {"EE", 20, "2n2n11n1n"},
    {"EG", 29, "4n4n17n"},     {"ES", 24, "4n4n1n1n10n"},  {"FI", 18, "3n11n"},
    {"FK", 18, "2a12n"},       {"FO", 18, "4n9n1n"},       {"FR", 27, "5n5n11c2n"},
    {"GB", 22, "4a6n8n"},      {"GE", 22, "2a16n"},        {"GI", 23, "4a15c"},
    {"GL", 18, "4n9n1n"},      {"GR", 27, "3n4n16c"},      {"GT", 28, "4c20c"},
    {"HR", 21, "7n10n"},       {"HU", 28, "3n4n1n15n1n"},  {"IE", 22, "4a6n8n"},
    {"IL", 23, "3n3n13n"},     {"IQ", 23, "4a3n12n"},      {"IS", 26, "4n2n6n10n"},
    {"IT", 27, "1a5n5n12c"},   {"JO", 30, "4a4n18c"},      {"KW", 30, "4a22c"},
    {"KZ", 20, "3n13c"},       {"LB", 28, "4n20c"},        {"LC", 32, "4a24c"},
    {"LI", 21, "5n12c"},       {"LT", 20, "5n11n"},        {"LU", 20, "3n13c"},
    {"LV", 21, "4a13c"},       {"LY", 25, "3n3n15n"},      {"MC", 27, "5n5n11c2n"},
    {"MD", 24, "2c18c"},       {"ME", 22, "3n13n2n"},      {"MK", 19, "3n10c2n"},
    {"MN", 20, "4n12n"},       {"MR", 27, "5n5n11n2n"},    {"MT", 31, "4a5n18c"},
    {"MU", 30, "4a2n2n12n3n3a"}, {"NI", 28, "4a20n"},      {"NL", 18, "4a10n"},
    {"NO", 15, "4n6n1n"},      {"OM", 23, "3n16c"},        {"PK", 24, "4a16c"},
    {"PL", 28, "8n16n"},       {"PS", 29, "4a21c"},        {"PT", 25, "4n4n11n2n"},
    {"QA", 29, "4a21c"},       {"RO", 24, "4a16c"},        {"RS", 22, "3n13n2n"},
    {"RU", 33, "9n5n15c"},     {"SA", 24, "2n18c"},        {"SC", 31, "4a2n2n16n3a"},
    {"SD", 18, "2n12n"},       {"SE", 24, "3n16n1n"},      {"SI", 19, "5n8n2n"},
    {"SK", 24, "4n6n10n"},     {"SM", 27, "1a5n5n12c"},    {"SO", 23, "4n3n12n"},
    {"ST", 25, "8n11n2n"},     {"SV", 28, "4a20n"},        {"TL", 23, "3n14n2n"},
    {"TN", 24, "2n3n13n2n"},   {"TR", 26, "5n1n16c"},      {"UA", 29, "6n19c"},
    {"VA", 22, "3n15n"},       {"VG", 24, "4a16n"},        {"XK", 20, "4n10n2n"},
    {"YE", 30, "4a4n18c"},
};

bool bban_matches(std::string_view bban, std::string_view format) {
  std::size_t pos = 0;
  int count = 0;
  for (char f : format) {
    if (f >= '0' && f <= '9') {
      count = count * 10 + (f - '0');
      continue;
    }
    for (int i = 0; i < count; ++i, ++pos) {
      if (pos >= bban.size()) return false;
      char c = bban[pos];
      bool ok = f == 'n'   ? (c >= '0' && c <= '9')
                : f == 'a' ? (c >= 'A' && c <= 'Z')
                           : ((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z'));
      if (!ok) return false;
    }
    count = 0;
  }
  return pos == bban.size();
}

}  // namespace

bool iban_valid(std::string_view text) {
  std::string s;
  s.reserve(text.size());
  for (char c : text) {
    if (c == ' ' || c == '-') continue;
    s.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  }
  if (s.size() < 15 || s.size() > 34) return false;
  auto it = std::find_if(std::begin(kCountries), std::end(kCountries),
                         [&](const IbanCountry& c) { return c.code == s.substr(0, 2); });
  if (it == std::end(kCountries) || static_cast<int>(s.size()) != it->length) return false;
  if (!std::isdigit(static_cast<unsigned char>(s[2])) || !std::isdigit(static_cast<unsigned char>(s[3])))
    return false;
  if (!bban_matches(std::string_view(s).substr(4), it->bban)) return false;
  std::string rearranged = s.substr(4) + s.substr(0, 4);
  return iso7064_mod97_10_valid(rearranged);
}

}  // namespace vault::pii
