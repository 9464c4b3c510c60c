#include "vault/crypto/aead.hpp"

#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <random>
#include <string>

namespace vault::crypto {
namespace {

std::string random_string(std::mt19937_64& rng, std::size_t n) {
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng());
  return s;
}

TEST(Aead, RandomPayloadsRoundTripAndCiphertextIsLonger) {
  std::mt19937_64 rng(42);
  const auto key = SecureBytes::random(kKeySize);
  for (std::size_t n : {0u, 1u, 15u, 16u, 17u, 100u, 4096u, 70000u}) {
    const auto pt = random_string(rng, n);
    const auto aad = random_string(rng, n % 40);
    auto sealed = seal(key, "dek-1", 7, aad, pt);
    ASSERT_TRUE(sealed) << sealed.error().message();
    EXPECT_EQ(sealed->size(), sealed_size(5, n));
    EXPECT_GT(sealed->size(), pt.size());
    auto back = open(key, aad, *sealed);
    ASSERT_TRUE(back) << back.error().message();
    EXPECT_EQ(*back, pt);
    auto secure = open_secure(key, aad, *sealed);
    ASSERT_TRUE(secure);
    EXPECT_EQ(secure->view(), pt);
  }
}

TEST(Aead, TwoEncryptionsOfTheSameInputDiffer) {
  const auto key = SecureBytes::random(kKeySize);
  auto a = seal(key, "k", 1, "ctx", "same plaintext");
  auto b = seal(key, "k", 1, "ctx", "same plaintext");
  ASSERT_TRUE(a && b);
  EXPECT_NE(*a, *b);
  auto ha = parse_header(*a), hb = parse_header(*b);
  ASSERT_TRUE(ha && hb);
  EXPECT_NE(a->substr(ha->header_size, kNonceSize), b->substr(hb->header_size, kNonceSize));
}

TEST(Aead, ParseHeaderReportsKeyIdAndVersion) {
  const auto key = SecureBytes::random(kKeySize);
  auto s = seal(key, "tenant-a/kek", 0xDEADBEEF, "", "x");
  ASSERT_TRUE(s);
  auto h = parse_header(*s);
  ASSERT_TRUE(h);
  EXPECT_EQ(h->format, kFormatV1);
  EXPECT_EQ(h->key_id, "tenant-a/kek");
  EXPECT_EQ(h->key_version, 0xDEADBEEFu);
  EXPECT_EQ(h->header_size, 2u + 12u + 4u);
}

TEST(Aead, FlippingAnySingleByteFailsCleanly) {
  const auto key = SecureBytes::random(kKeySize);
  const std::string pt = "a record payload with a canary CANARY-123";
  auto sealed = seal(key, "dek", 3, "tenant|dataset|record", pt);
  ASSERT_TRUE(sealed);
  for (std::size_t i = 0; i < sealed->size(); ++i) {
    for (unsigned char bit : {0x01, 0x80}) {
      std::string t = *sealed;
      t[i] = static_cast<char>(t[i] ^ bit);
      auto r = open(key, "tenant|dataset|record", t);
      ASSERT_FALSE(r) << "byte " << i << " bit " << int(bit);
      EXPECT_EQ(r.error().kind(), ErrorKind::DecryptionOperation);
      EXPECT_EQ(r.error().message().find("CANARY"), std::string::npos);
    }
  }
}

TEST(Aead, WrongAadWrongKeyAndTruncationFail) {
  const auto key = SecureBytes::random(kKeySize);
  const auto other = SecureBytes::random(kKeySize);
  auto sealed = seal(key, "dek", 1, "t1|ds1|r1", "payload");
  ASSERT_TRUE(sealed);
  EXPECT_FALSE(open(key, "t1|ds1|r2", *sealed));
  EXPECT_FALSE(open(key, "", *sealed));
  EXPECT_FALSE(open(other, "t1|ds1|r1", *sealed));
  for (std::size_t n = 0; n < sealed->size(); ++n) {
    auto r = open(key, "t1|ds1|r1", std::string_view(*sealed).substr(0, n));
    ASSERT_FALSE(r) << n;
    EXPECT_EQ(r.error().kind(), ErrorKind::DecryptionOperation);
  }
  std::string longer = *sealed + "x";
  EXPECT_FALSE(open(key, "t1|ds1|r1", longer));
  EXPECT_TRUE(open(key, "t1|ds1|r1", *sealed));
}

TEST(Aead, SwappedHeaderVersionFailsEvenWithTheSameKey) {
  // A reader that re-labels a ciphertext with another key version must not
  // get plaintext: the header is authenticated.
  const auto key = SecureBytes::random(kKeySize);
  auto sealed = seal(key, "dek", 1, "aad", "payload");
  ASSERT_TRUE(sealed);
  auto relabelled = encode_header("dek", 2);
  ASSERT_TRUE(relabelled);
  std::string t = *relabelled + sealed->substr(relabelled->size());
  EXPECT_FALSE(open(key, "aad", t));
}

TEST(Aead, BadKeySizesAndKeyIdsAreErrors) {
  const auto short_key = SecureBytes::random(16);
  auto r = seal(short_key, "k", 1, "", "x");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind(), ErrorKind::EncryptionOperation);
  const auto key = SecureBytes::random(kKeySize);
  EXPECT_FALSE(seal(key, "", 1, "", "x"));
  EXPECT_FALSE(seal(key, std::string(256, 'k'), 1, "", "x"));
  EXPECT_TRUE(seal(key, std::string(255, 'k'), 1, "", "x"));
  auto s = seal(key, "k", 1, "", "x");
  ASSERT_TRUE(s);
  auto o = open(short_key, "", *s);
  ASSERT_FALSE(o);
  EXPECT_EQ(o.error().kind(), ErrorKind::DecryptionOperation);
}

TEST(Aead, ForkedChildNeverReusesTheParentsNonces) {
  const auto key = SecureBytes::random(kKeySize);
  ASSERT_TRUE(seal(key, "k", 1, "", "warm up the per-thread nonce batch"));
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    auto s = seal(key, "k", 1, "", "x");
    const std::string nonce = s ? s->substr(2 + 1 + 4, kNonceSize) : std::string(kNonceSize, '\0');
    (void)!::write(fds[1], nonce.data(), nonce.size());
    ::_exit(0);
  }
  ::close(fds[1]);
  char child_nonce[kNonceSize] = {};
  ASSERT_EQ(::read(fds[0], child_nonce, kNonceSize), static_cast<ssize_t>(kNonceSize));
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  auto s = seal(key, "k", 1, "", "x");
  ASSERT_TRUE(s);
  EXPECT_NE(s->substr(2 + 1 + 4, kNonceSize), std::string(child_nonce, kNonceSize));
}

}  // namespace
}  // namespace vault::crypto
