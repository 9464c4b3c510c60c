#include "vault/pii/detection/validators.hpp"

#include <gtest/gtest.h>

namespace vault::pii {
namespace {

TEST(Base58Check, BitcoinAddresses) {
  EXPECT_TRUE(base58check_valid("16Yeky6GMjeNkAiNcBY7ZhrLoMSgg1BoyZ"));
  EXPECT_TRUE(base58check_valid("3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy"));
  EXPECT_TRUE(base58check_valid("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"));
  EXPECT_FALSE(base58check_valid("16Yeky6GMjeNkAiNcBY7ZhrLoMSgg1BoyY"));  // checksum
  EXPECT_FALSE(base58check_valid("16Yeky6GMjeNkAiNcBY7ZhrLoMSgg1Boy0"));  // 0 is not base58
  EXPECT_FALSE(base58check_valid("1111"));
}

TEST(Bech32, SegwitAddresses) {
  EXPECT_TRUE(bech32_address_valid("bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"));
  EXPECT_TRUE(bech32_address_valid("bc1p5d7rjq7g6rdk2yhzks9smlaqtedr4dekq08ge8ztwac72sfr9rusxg3297"));  // bech32m
  EXPECT_TRUE(bech32_address_valid("BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4"));
  EXPECT_FALSE(bech32_address_valid("bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdr"));
  EXPECT_FALSE(bech32_address_valid("bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwF5mdq"));  // mixed case
  EXPECT_FALSE(bech32_address_valid("xx1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"));
}

TEST(Ip, V4) {
  EXPECT_TRUE(ipv4_valid("192.168.1.1"));
  EXPECT_TRUE(ipv4_valid("0.0.0.0"));
  EXPECT_FALSE(ipv4_valid("256.1.1.1"));
  EXPECT_FALSE(ipv4_valid("1.2.3"));
  EXPECT_FALSE(ipv4_valid("1.2.3.4.5"));
  EXPECT_FALSE(ipv4_valid("1..2.3"));
  EXPECT_FALSE(ipv4_valid("1234.1.1.1"));
  EXPECT_FALSE(ipv4_valid("02.27.96.63"));  // leading zeros: not a dec-octet (RFC 3986)
  EXPECT_FALSE(ipv4_valid("10.0.0.01"));
}

TEST(Ip, V6) {
  for (auto s : {"::", "::1", "fe80::1", "fe80::1%eth0", "2001:db8:85a3::8a2e:370", "::ffff:192.0.2.1",
                 "2001:db8:0:0:0:0:192.168.1.1", "2345:0425:2CA1:0000:0000:0567:5673:23b5", "64:ff9b::192.0.2.1"})
    EXPECT_TRUE(ipv6_valid(s)) << s;
  for (auto s : {":", "1:2:3:4", "aa:bb:cc:dd:ee:ff", "gggg::1", "1::2::3", "::ffff:256.0.0.1", "12345::1",
                 "1:2:3:4:5:6:7:8:9", "2001:db8::1:"})
    EXPECT_FALSE(ipv6_valid(s)) << s;
}

TEST(Dates, Existence) {
  EXPECT_TRUE(date_exists(2024, 2, 29));
  EXPECT_FALSE(date_exists(2023, 2, 29));
  EXPECT_FALSE(date_exists(1900, 2, 29));
  EXPECT_TRUE(date_exists(2000, 2, 29));
  EXPECT_FALSE(date_exists(2021, 4, 31));
  EXPECT_FALSE(date_exists(2021, 13, 1));
  EXPECT_FALSE(date_exists(2021, 1, 0));
}

}  // namespace
}  // namespace vault::pii
