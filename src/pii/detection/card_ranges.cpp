// Payment card numbers by the standards: ISO/IEC 7812-1 gives the structure
// (an issuer identification number, 6 or 8 digits, then the account number,
// then a Luhn check digit: 8 to 19 digits in all); the card networks publish
// which IIN ranges are theirs and the lengths of their cards. The table below
// is the networks' published ranges as compiled in the "Payment card number"
// article of Wikipedia (IIN ranges table, retrieved 2026), including the
// older, wider Maestro definition (50, 56-58, 6) still issued in Europe, the
// 14-digit Diners Club Carte Blanche range (300-305) and the historic
// 15-digit JCB ranges (1800, 2131).
#include "card_ranges.hpp"

#include <cstring>

namespace vault::pii {
namespace {

struct CardRange {
  const char* low;   ///< first prefix of the range (its length is the prefix length)
  const char* high;  ///< last prefix, same length
  int min_length, max_length;
  int only_lengths[3];  ///< when non-zero: exactly these lengths (Visa 13/16/19, Verve 16/18/19)
};

constexpr CardRange kRanges[] = {
    {"34", "34", 15, 15, {}},                  // American Express
    {"37", "37", 15, 15, {}},                  // American Express
    {"31", "31", 19, 19, {}},                  // China T-Union
    {"62", "62", 16, 19, {}},                  // China UnionPay (and Discover's 622126-622925)
    {"36", "36", 14, 19, {}},                  // Diners Club International
    {"300", "305", 16, 19, {}},                // Diners Club International
    {"300", "305", 14, 14, {}},                // Diners Club Carte Blanche
    {"3095", "3095", 16, 19, {}},              // Diners Club International
    {"38", "39", 16, 19, {}},                  // Diners Club International
    {"6011", "6011", 16, 19, {}},              // Discover
    {"644", "649", 16, 19, {}},                // Discover
    {"65", "65", 16, 19, {}},                  // Discover, RuPay, Troy
    {"60", "60", 16, 19, {}},                  // RuPay, UkrCard, GPN
    {"81", "82", 16, 16, {}},                  // RuPay
    {"508", "508", 16, 16, {}},                // RuPay
    {"353", "353", 16, 16, {}},                // RuPay
    {"356", "356", 16, 16, {}},                // RuPay
    {"636", "636", 16, 19, {}},                // InterPayment
    {"637", "639", 16, 16, {}},                // InstaPayment
    {"3528", "3589", 16, 19, {}},              // JCB
    {"1800", "1800", 15, 15, {}},              // JCB (historic)
    {"2131", "2131", 15, 15, {}},              // JCB (historic)
    {"50", "50", 12, 19, {}},                  // Maestro, GPN
    {"56", "58", 12, 19, {}},                  // Maestro, GPN
    {"6", "6", 12, 19, {}},                    // Maestro (6xxx: 6304, 6759, 6761-6763 ...)
    {"5893", "5893", 12, 19, {}},              // Maestro
    {"2200", "2204", 16, 19, {}},              // Mir
    {"2205", "2205", 16, 16, {}},              // BORICA
    {"2221", "2720", 16, 16, {}},              // Mastercard
    {"51", "55", 16, 16, {}},                  // Mastercard, Diners Club US & Canada
    {"9792", "9792", 16, 16, {}},              // Troy
    {"4", "4", 0, 0, {13, 16, 19}},            // Visa (Visa Electron, Dankort co-brands: 16)
    {"1", "1", 15, 15, {}},                    // UATP
    {"506099", "506198", 0, 0, {16, 18, 19}},  // Verve
    {"507865", "507964", 0, 0, {16, 18, 19}},  // Verve
    {"650002", "650027", 0, 0, {16, 18, 19}},  // Verve
    {"1946", "1946", 0, 0, {16, 18, 19}},      // GPN
    {"9860", "9860", 16, 16, {}},              // Humo
    {"8600", "8600", 16, 16, {}},              // Uzcard
    {"5614", "5614", 16, 16, {}},              // Uzcard
};

bool length_fits(const CardRange& r, std::size_t n) {
  if (r.only_lengths[0]) {
    for (int l : r.only_lengths)
      if (l && static_cast<std::size_t>(l) == n) return true;
    return false;
  }
  return n >= static_cast<std::size_t>(r.min_length) && n <= static_cast<std::size_t>(r.max_length);
}

}  // namespace

bool card_number_in_issued_range(std::string_view digits) {
  for (const CardRange& r : kRanges) {
    const std::size_t k = std::strlen(r.low);
    if (digits.size() < k || !length_fits(r, digits.size())) continue;
    const std::string_view prefix = digits.substr(0, k);
    if (prefix >= r.low && prefix <= r.high) return true;  // same length, digits only: text order is numeric order
  }
  return false;
}

}  // namespace vault::pii
