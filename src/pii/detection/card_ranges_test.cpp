// Payment cards by the networks' ranges and lengths: every network's card
// found in the groupings it is printed in, whatever its length (12-19), and
// Luhn-valid numbers that no network issues refused. The numbers are built
// here (prefix, filler, Luhn digit), not taken from any generator's lists.
#include "card_ranges.hpp"

#include "test_scanner.hpp"
#include "vault/pii/detection/validators.hpp"

#include <gtest/gtest.h>

#include <string>

namespace vault::pii {
namespace {


/// `prefix` padded with a running digit pattern to `length` - 1 digits, then
/// the Luhn check digit.
std::string card(const std::string& prefix, std::size_t length) {
  std::string d = prefix;
  for (int i = 7; d.size() + 1 < length; i = (i + 3) % 10) d.push_back(static_cast<char>('0' + i));
  for (char c = '0'; c <= '9'; ++c)
    if (luhn_valid(d + c)) return d + c;
  return {};
}

/// `digits` grouped as `groups` (e.g. {4, 6, 5}) joined by `sep`.
std::string grouped(const std::string& digits, std::initializer_list<int> groups, char sep = ' ') {
  std::string out;
  std::size_t at = 0;
  for (int g : groups) {
    if (!out.empty()) out.push_back(sep);
    out += digits.substr(at, static_cast<std::size_t>(g));
    at += static_cast<std::size_t>(g);
  }
  return out;
}

std::vector<std::string> cards_in(const std::string& text) { return testing::found(text, "CREDIT_CARD"); }

TEST(CardRanges, IssuedRangesAndLengths) {
  for (auto [prefix, length] : std::initializer_list<std::pair<const char*, std::size_t>>{
           {"4", 13}, {"4", 16}, {"4", 19},          // Visa
           {"51", 16}, {"2221", 16}, {"2720", 16},  // Mastercard
           {"34", 15}, {"37", 15},                  // Amex
           {"6011", 16}, {"65", 19},                // Discover
           {"3528", 16}, {"3589", 19},              // JCB
           {"36", 14}, {"305", 14}, {"38", 16},     // Diners
           {"62", 16}, {"62", 19},                  // UnionPay
           {"5018", 12}, {"6759", 19}, {"50", 15},  // Maestro
           {"2200", 16}, {"9792", 16}, {"506099", 18}}) {
    const std::string c = card(prefix, length);
    ASSERT_EQ(c.size(), length);
    EXPECT_TRUE(card_number_in_issued_range(c)) << c;
  }
  for (auto [prefix, length] : std::initializer_list<std::pair<const char*, std::size_t>>{
           {"4", 14}, {"4", 17}, {"51", 15}, {"51", 19}, {"34", 16}, {"7", 16}, {"8", 16},
           {"0", 16}, {"99", 16}, {"1", 13}, {"2100", 16}, {"2721", 16}}) {
    const std::string c = card(prefix, length);
    EXPECT_FALSE(card_number_in_issued_range(c)) << c;
  }
}

TEST(CardRanges, FoundInTheGroupingsCardsArePrintedIn) {
  const std::string visa19 = card("4", 19), amex = card("37", 15), diners = card("36", 14),
                    maestro12 = card("5018", 12), unionpay19 = card("62", 19), mc = card("5425", 16);
  EXPECT_EQ(cards_in("paid with " + grouped(visa19, {4, 4, 4, 4, 3})),
            std::vector<std::string>{grouped(visa19, {4, 4, 4, 4, 3})});
  EXPECT_EQ(cards_in("amex " + grouped(amex, {4, 6, 5})), std::vector<std::string>{grouped(amex, {4, 6, 5})});
  EXPECT_EQ(cards_in("diners " + grouped(diners, {4, 6, 4})), std::vector<std::string>{grouped(diners, {4, 6, 4})});
  EXPECT_EQ(cards_in("maestro " + maestro12), std::vector<std::string>{maestro12});
  EXPECT_EQ(cards_in(unionpay19 + " was declined"), std::vector<std::string>{unionpay19});
  EXPECT_EQ(cards_in("card " + grouped(mc, {4, 4, 4, 4}, '-')), std::vector<std::string>{grouped(mc, {4, 4, 4, 4}, '-')});
  // After a longer digit run that is no card, the card is still found.
  EXPECT_EQ(cards_in("born 1984 " + grouped(mc, {4, 4, 4, 4})), std::vector<std::string>{grouped(mc, {4, 4, 4, 4})});
}

TEST(CardRanges, RefusedWhenNoNetworkIssuesIt) {
  for (const std::string& n : {card("4", 17), card("7", 16), card("51", 19), card("0", 16)})
    EXPECT_TRUE(cards_in("card " + n).empty()) << n;
  const std::string mc = card("5425", 16);
  EXPECT_TRUE(cards_in("card " + mc.substr(0, 4) + " " + mc.substr(4, 4) + "-" + mc.substr(8)).empty())
      << "mixed separators";
  EXPECT_TRUE(cards_in("order 12" + mc).empty()) << "inside a longer number";
}

}  // namespace
}  // namespace vault::pii
