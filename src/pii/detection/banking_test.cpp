#include "vault/pii/detection/validators.hpp"

#include <gtest/gtest.h>

namespace vault::pii {
namespace {

TEST(Iban, ValidAcrossCountries) {
  EXPECT_TRUE(iban_valid("DE89370400440532013000"));
  EXPECT_TRUE(iban_valid("GB82 WEST 1234 5698 7654 32"));
  EXPECT_TRUE(iban_valid("NL91ABNA0417164300"));
  EXPECT_TRUE(iban_valid("AL47-2121-1009-0000-0002-3569-8741"));
  EXPECT_TRUE(iban_valid("MU17BOMM0101101030300200000MUR"));
  EXPECT_TRUE(iban_valid("gb82west12345698765432"));
}

TEST(Iban, RejectsChecksumLengthAndShape) {
  EXPECT_FALSE(iban_valid("DE89370400440532013001"));       // checksum
  EXPECT_FALSE(iban_valid("DE8937040044053201300"));        // length
  EXPECT_FALSE(iban_valid("AT61 1904 A002 3457 3201"));     // AT BBAN is numeric
  EXPECT_FALSE(iban_valid("XX89370400440532013000"));       // unknown country
  EXPECT_FALSE(iban_valid("BH67BMAG0000129912345"));        // too short for BH
  EXPECT_FALSE(iban_valid(""));
}

TEST(AbaRouting, Checksum) {
  EXPECT_TRUE(aba_routing_valid("121000358"));
  EXPECT_TRUE(aba_routing_valid("0711-0130-7"));
  EXPECT_FALSE(aba_routing_valid("121000359"));
  EXPECT_FALSE(aba_routing_valid("000000000"));
  EXPECT_FALSE(aba_routing_valid("12100035"));
}

}  // namespace
}  // namespace vault::pii
