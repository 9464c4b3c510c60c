#include "vault/pii/detection/validators.hpp"

#include <gtest/gtest.h>

#include <array>

namespace vault::pii {
namespace {

TEST(Luhn, KnownCardNumbers) {
  EXPECT_TRUE(luhn_valid("4111111111111111"));
  EXPECT_TRUE(luhn_valid("371449635398431"));
  EXPECT_TRUE(luhn_valid("79927398713"));
  EXPECT_FALSE(luhn_valid("4111111111111112"));
  EXPECT_FALSE(luhn_valid("79927398710"));
  EXPECT_FALSE(luhn_valid(""));
  EXPECT_FALSE(luhn_valid("4111-1111"));
}

TEST(Verhoeff, CheckDigits) {
  EXPECT_TRUE(verhoeff_valid("2363"));
  EXPECT_TRUE(verhoeff_valid("399876543211"));
  EXPECT_FALSE(verhoeff_valid("2364"));
  EXPECT_FALSE(verhoeff_valid("123456789012"));
  EXPECT_FALSE(verhoeff_valid("12a4"));
}

TEST(Iso7064, Mod11_10) {
  EXPECT_TRUE(iso7064_mod11_10_valid("12345678903"));   // German tax id
  EXPECT_TRUE(iso7064_mod11_10_valid("136695976"));     // German VAT id digits
  EXPECT_FALSE(iso7064_mod11_10_valid("12345678904"));
  EXPECT_FALSE(iso7064_mod11_10_valid("1"));
}

TEST(Iso7064, Mod97_10) {
  // IBAN rearranged: BBAN + country + check digits
  EXPECT_TRUE(iso7064_mod97_10_valid("370400440532013000DE89"));
  EXPECT_FALSE(iso7064_mod97_10_valid("370400440532013001DE89"));
  EXPECT_FALSE(iso7064_mod97_10_valid("12-34"));
}

TEST(Iso7064, Mod37_36) {
  // Build a valid string by trying every check character: exactly one fits.
  const std::string base = "A12425GABC1234002";
  int valid = 0;
  for (char c : std::string("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")) valid += iso7064_mod37_36_valid(base + c);
  EXPECT_EQ(valid, 1);
}

TEST(Icao9303, DocumentNumbers) {
  EXPECT_TRUE(icao9303_valid("C01234565"));
  EXPECT_TRUE(icao9303_valid("L01X00T44"));
  EXPECT_TRUE(icao9303_valid("CZ6311T03"));
  EXPECT_FALSE(icao9303_valid("C01234567"));
  EXPECT_FALSE(icao9303_valid("L01X00T47"));
}

TEST(WeightedMod11, NhsNumber) {
  constexpr std::array<int, 9> w{10, 9, 8, 7, 6, 5, 4, 3, 2};
  EXPECT_TRUE(weighted_mod11_valid("9434765919", w));
  EXPECT_TRUE(weighted_mod11_valid("0032698674", w));
  EXPECT_FALSE(weighted_mod11_valid("9434765918", w));
  EXPECT_FALSE(weighted_mod11_valid("943476591", w));
}

TEST(Entropy, UniformAndRandom) {
  EXPECT_DOUBLE_EQ(shannon_entropy("aaaaaaaa"), 0.0);
  EXPECT_DOUBLE_EQ(shannon_entropy("abababab"), 1.0);
  EXPECT_GT(shannon_entropy("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"), 4.0);
  EXPECT_EQ(shannon_entropy(""), 0.0);
}

TEST(Registry, NamesResolveAndAreSorted) {
  auto names = validator_names();
  ASSERT_FALSE(names.empty());
  for (auto n : names) EXPECT_TRUE(find_validator(n).has_value()) << n;
  EXPECT_FALSE(find_validator("no_such_validator").has_value());
  auto luhn = find_validator("luhn");
  ASSERT_TRUE(luhn);
  EXPECT_EQ((*luhn)("4111 1111 1111 1111"), Verdict::Accept);
  EXPECT_EQ((*luhn)("4111 1111 1111 1112"), Verdict::Reject);
}

}  // namespace
}  // namespace vault::pii
