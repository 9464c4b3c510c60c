#include "vault/crypto/passphrase_kdf.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace vault::crypto {
namespace {

std::string hex(std::span<const std::uint8_t> b) {
  static constexpr char d[] = "0123456789abcdef";
  std::string s;
  for (auto x : b) {
    s += d[x >> 4];
    s += d[x & 15];
  }
  return s;
}

std::vector<std::uint8_t> bytes(std::string_view s) {
  return {s.begin(), s.end()};
}

// RFC 9106 section 5.3: Argon2id, version 0x13, with secret and associated data.
TEST(Argon2id, Rfc9106KnownAnswer) {
  std::vector<std::uint8_t> password(32, 0x01), salt(16, 0x02), secret(8, 0x03), ad(12, 0x04);
  auto tag = argon2id_raw(password, salt, {.t_cost = 3, .m_cost_kib = 32, .parallelism = 4}, 32, secret, ad);
  ASSERT_TRUE(tag) << tag.error().message();
  EXPECT_EQ(hex(*tag), "0d640df58d78766c08c037a34a8b53c9d01ef0452d75b65eb52520e96b01e659");
}

// The reference implementation's test.c vectors (argon2id, v=19, "password", "somesalt").
TEST(Argon2id, ReferenceImplementationKnownAnswers) {
  auto small = argon2id_raw(bytes("password"), bytes("somesalt"),
                            {.t_cost = 2, .m_cost_kib = 256, .parallelism = 1}, 32);
  ASSERT_TRUE(small);
  EXPECT_EQ(hex(*small), "9dfeb910e80bad0311fee20f9c0e2b12c17987b4cac90c2ef54d5b3021c68bfe");
  auto big = argon2id_raw(bytes("password"), bytes("somesalt"),
                          {.t_cost = 2, .m_cost_kib = 65536, .parallelism = 1}, 32);
  ASSERT_TRUE(big);
  EXPECT_EQ(hex(*big), "09316115d5cf24ed5a15a31a3ba326e5cf32edc24702987c02b6566f61913cf7");
}

TEST(Argon2id, DerivedKeyIsDeterministicAndDependsOnEveryInput) {
  std::vector<std::uint8_t> salt(16, 0x5a), salt2(16, 0x5b);
  Argon2idParams p{.t_cost = 1, .m_cost_kib = 64, .parallelism = 1};
  auto a = derive_passphrase_key("correct horse", salt, p);
  auto b = derive_passphrase_key("correct horse", salt, p);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(*a, *b);
  EXPECT_NE(*a, *derive_passphrase_key("correct horsf", salt, p));
  EXPECT_NE(*a, *derive_passphrase_key("correct horse", salt2, p));
  EXPECT_NE(*a,
            *derive_passphrase_key("correct horse", salt, {.t_cost = 2, .m_cost_kib = 64, .parallelism = 1}));
  EXPECT_NE(*a,
            *derive_passphrase_key("correct horse", salt, {.t_cost = 1, .m_cost_kib = 72, .parallelism = 1}));
  EXPECT_NE(*a,
            *derive_passphrase_key("correct horse", salt, {.t_cost = 1, .m_cost_kib = 64, .parallelism = 2}));
}

TEST(Argon2id, DefaultsAreRfcRecommendedShape) {
  Argon2idParams p;
  EXPECT_EQ(p.t_cost, 3u);
  EXPECT_EQ(p.m_cost_kib, 65536u);
  EXPECT_EQ(p.parallelism, 1u);
  EXPECT_TRUE(validate_argon2id_params(p));
}

TEST(Argon2id, RejectsBadParametersAndInputs) {
  std::vector<std::uint8_t> salt(16, 1);
  for (Argon2idParams bad : {Argon2idParams{0, 64, 1}, Argon2idParams{65, 64, 1}, Argon2idParams{1, 64, 0},
                             Argon2idParams{1, 64, 65}, Argon2idParams{1, 7, 1}, Argon2idParams{1, 31, 4},
                             Argon2idParams{1, Argon2idParams::kMaxMKiB + 1, 1}}) {
    auto s = validate_argon2id_params(bad);
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().kind(), ErrorKind::Validation);
    auto k = derive_passphrase_key("pw", salt, bad);
    ASSERT_FALSE(k);
    EXPECT_EQ(k.error().kind(), ErrorKind::Validation);
  }
  Argon2idParams ok{1, 64, 1};
  EXPECT_EQ(derive_passphrase_key("", salt, ok).error().kind(), ErrorKind::Validation);
  std::vector<std::uint8_t> short_salt(15, 1);
  EXPECT_EQ(derive_passphrase_key("pw", short_salt, ok).error().kind(), ErrorKind::Validation);
  EXPECT_EQ(argon2id_raw(bytes("pw"), salt, ok, 3).error().kind(), ErrorKind::Validation);
}

}  // namespace
}  // namespace vault::crypto
