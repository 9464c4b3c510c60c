#include "vault/pii/anonymization/fakes.hpp"

#include "vault/pii/detection/validators.hpp"

#include <gtest/gtest.h>

#include <regex>
#include <set>

namespace vault::pii {
namespace {

const std::string kKeyA(32, 'a');
const std::string kKeyB(32, 'b');

std::string fake(std::string_view entity, std::string_view v, const std::string& key = kKeyA) {
  return pseudonymize_value(crypto::as_bytes(key), entity, v);
}

std::string shape(std::string_view s) {
  std::string o(s);
  for (auto& c : o) {
    if (c >= '0' && c <= '9') c = '9';
    else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) c = 'a';
  }
  return o;
}

TEST(FakeTest, DeterministicPerKeyAndDifferentAcrossKeys) {
  for (auto [e, v] : std::vector<std::pair<std::string, std::string>>{
           {"EMAIL_ADDRESS", "jane.doe@corp.io"},
           {"CREDIT_CARD", "4111 1111 1111 1111"},
           {"US_SSN", "123-45-6789"},
           {"IBAN_CODE", "DE89 3704 0044 0532 0130 00"},
           {"PHONE_NUMBER", "+1 (415) 555-0132"},
           {"PERSON", "John Smith"},
           {"IP_ADDRESS", "192.168.10.20"},
           {"UK_NINO", "AB123456C"}}) {
    SCOPED_TRACE(e);
    EXPECT_EQ(fake(e, v), fake(e, v));
    EXPECT_NE(fake(e, v), fake(e, v, kKeyB));
    EXPECT_NE(fake(e, v), v);
  }
}

TEST(FakeTest, EmailStaysAnEmail) {
  std::regex email(R"([a-z]+\.[a-z]+[0-9]{2}@example\.(com|net|org))");
  std::set<std::string> seen;
  for (int i = 0; i < 50; ++i) {
    auto f = fake("EMAIL_ADDRESS", "user" + std::to_string(i) + "@mail.test");
    EXPECT_TRUE(std::regex_match(f, email)) << f;
    seen.insert(f);
  }
  EXPECT_GT(seen.size(), 40u);
}

TEST(FakeTest, CreditCardStaysLuhnValidSameLengthAndFamily) {
  for (std::string card : {"4111111111111111", "5500 0000 0000 0004", "3782-822463-10005", "6011000990139424",
                           "4012888888881881"}) {
    for (int i = 0; i < 20; ++i) {
      std::string key(32, static_cast<char>('k' + i));
      auto f = fake("CREDIT_CARD", card, key);
      EXPECT_EQ(shape(f), shape(card)) << f;
      auto d = digits_of(f);
      EXPECT_TRUE(luhn_valid(d)) << f;
      EXPECT_EQ(d[0], card[0]);
      if (card[0] == '3' || card[0] == '5') {
        EXPECT_EQ(d[1], digits_of(card)[1]);
      }
    }
  }
}

TEST(FakeTest, SsnHasValidArea) {
  for (int i = 0; i < 300; ++i) {
    auto f = fake("US_SSN", "078-05-" + std::to_string(1000 + i));
    ASSERT_EQ(shape(f), "999-99-9999") << f;
    int area = std::stoi(f.substr(0, 3)), group = std::stoi(f.substr(4, 2)), serial = std::stoi(f.substr(7));
    EXPECT_TRUE(area >= 1 && area <= 899 && area != 666) << f;
    EXPECT_GE(group, 1);
    EXPECT_GE(serial, 1);
  }
}

TEST(FakeTest, IbanStaysValidSameCountryAndLayout) {
  for (std::string iban : {"DE89 3704 0044 0532 0130 00", "GB29NWBK60161331926819", "FR1420041010050500013M02606",
                           "NL91ABNA0417164300"}) {
    for (int i = 0; i < 20; ++i) {
      std::string key(32, static_cast<char>('A' + i));
      auto f = fake("IBAN_CODE", iban, key);
      EXPECT_TRUE(iban_valid(f)) << f;
      EXPECT_EQ(f.substr(0, 2), iban.substr(0, 2));
      EXPECT_EQ(shape(f).substr(4), shape(iban).substr(4)) << f;
      EXPECT_EQ(f.size(), iban.size());
    }
  }
}

TEST(FakeTest, PhoneKeepsFormatAndCountryCode) {
  auto f = fake("PHONE_NUMBER", "+1 (415) 555-0132");
  EXPECT_EQ(shape(f), shape("+1 (415) 555-0132"));
  EXPECT_EQ(f.substr(0, 3), "+1 ");
  auto g = fake("PHONE_NUMBER", "+44 20 7946 0958");
  EXPECT_EQ(g.substr(0, 4), "+44 ");
  EXPECT_EQ(shape(g), shape("+44 20 7946 0958"));
  auto h = fake("UK_PHONE_NUMBER", "020 7946 0958");
  EXPECT_EQ(h[0], '0');
  EXPECT_EQ(shape(h), shape("020 7946 0958"));
}

TEST(FakeTest, IpStaysAnIp) {
  for (int i = 0; i < 50; ++i) {
    auto f = fake("IP_ADDRESS", "10.0.0." + std::to_string(i));
    EXPECT_TRUE(ipv4_valid(f)) << f;
    auto g = fake("IP_ADDRESS", "2001:db8::" + std::to_string(i));
    EXPECT_TRUE(ipv6_valid(g)) << g;
  }
  EXPECT_TRUE(ipv6_valid(fake("IP_ADDRESS", "::ffff:192.0.2.128")));
}

TEST(FakeTest, DatesStayValidDates) {
  for (int i = 0; i < 100; ++i) {
    std::string key(32, static_cast<char>(i));
    auto iso = fake("DATE_TIME", "1987-03-15T10:42:07Z", key);
    ASSERT_EQ(shape(iso), shape("1987-03-15T10:42:07Z")) << iso;
    int y = std::stoi(iso.substr(0, 4)), m = std::stoi(iso.substr(5, 2)), d = std::stoi(iso.substr(8, 2));
    EXPECT_TRUE(y >= 1977 && y <= 1997) << iso;
    EXPECT_TRUE(date_exists(y, m, d)) << iso;
    EXPECT_LT(std::stoi(iso.substr(11, 2)), 24);
    EXPECT_LT(std::stoi(iso.substr(14, 2)), 60);
    EXPECT_LT(std::stoi(iso.substr(17, 2)), 60);
    auto eu = fake("DATE_TIME", "31.12.2020", key);
    ASSERT_EQ(shape(eu), "99.99.9999") << eu;
    EXPECT_TRUE(date_exists(std::stoi(eu.substr(6)), std::stoi(eu.substr(3, 2)), std::stoi(eu.substr(0, 2)))) << eu;
    auto named = fake("DATE_TIME", "March 15, 1987", key);
    EXPECT_TRUE(named.starts_with("March ")) << named;
  }
}

TEST(FakeTest, PersonAndGeneric) {
  auto p = fake("PERSON", "John Smith");
  EXPECT_TRUE(std::regex_match(p, std::regex(R"([A-Z][a-z]+ [A-Z][a-z]+)"))) << p;
  auto one = fake("PERSON", "JOHN");
  EXPECT_TRUE(std::regex_match(one, std::regex(R"([A-Z]+)"))) << one;
  auto three = fake("PERSON", "John Q. Public");
  EXPECT_TRUE(std::regex_match(three, std::regex(R"([A-Z][a-z]+ [A-Z]\. [A-Z][a-z]+)"))) << three;
  auto g = fake("UK_NINO", "AB123456C");
  EXPECT_EQ(shape(g), shape("AB123456C"));
  EXPECT_TRUE(std::regex_match(g, std::regex("[A-Z]{2}[0-9]{6}[A-Z]"))) << g;
  auto mac = fake("MAC_ADDRESS", "00:1A:2B:3C:4D:5E");
  EXPECT_TRUE(std::regex_match(mac, std::regex("([0-9A-F]{2}:){5}[0-9A-F]{2}"))) << mac;
  auto mac2 = fake("MAC_ADDRESS", "00-1a-2b-3c-4d-5e");
  EXPECT_TRUE(std::regex_match(mac2, std::regex("([0-9a-f]{2}-){5}[0-9a-f]{2}"))) << mac2;
  EXPECT_NE(fake("X", "7"), "7");
  EXPECT_NE(fake("X", "-"), "-");
}

}  // namespace
}  // namespace vault::pii
