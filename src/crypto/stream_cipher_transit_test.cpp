// Format version 2 of the stream cipher: a transit data key, wrapped by the
// server, carried in the header (vault encrypt --key NAME).
#include "vault/crypto/stream_cipher.hpp"

#include <gtest/gtest.h>

#include <random>
#include <sstream>
#include <string>

namespace vault::crypto::stream {
namespace {

FileKey key_of(std::uint8_t fill) {
  std::array<std::uint8_t, kKeySize> b{};
  b.fill(fill);
  return FileKey(b);
}

std::string plaintext(std::size_t n) {
  std::mt19937 rng(42);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng());
  return s;
}

const std::string kWrapped = "vault:v3:c2VhbGVkLWRhdGEta2V5LWJ5dGVz";

std::string encrypt_transit(const std::string& plain, std::uint32_t chunk = kMinChunkSize) {
  std::istringstream in(plain);
  std::ostringstream out;
  EncryptOptions o;
  o.chunk_size = chunk;
  auto r = encrypt_stream(in, out, KeyMaterial::from_transit(key_of(9), "orders", kWrapped), o);
  EXPECT_TRUE(r) << r.error().message();
  return out.str();
}

/// Decrypts with a resolver that checks what the header carries.
Result<StreamStats> decrypt_transit(const std::string& cipher, std::string& out, int* calls = nullptr,
                                    std::uint8_t fill = 9) {
  std::istringstream in(cipher);
  std::ostringstream os;
  auto r = decrypt_stream(in, os, KeyMaterial::from_resolver([&](const HeaderInfo& h) -> Result<FileKey> {
                            if (calls) ++*calls;
                            EXPECT_EQ(h.kdf, KdfId::TransitKey);
                            if (h.key_name != "orders" || h.wrapped_key != kWrapped)
                              return fail(ErrorKind::Validation, "unexpected key reference");
                            return key_of(fill);
                          }));
  out = os.str();
  return r;
}

TEST(TransitFile, RoundTripCarriesTheWrappedKeyInAVersion2Header) {
  for (std::size_t n : {std::size_t{0}, std::size_t{1}, std::size_t{4096}, std::size_t{10000}}) {
    const std::string plain = plaintext(n);
    const std::string cipher = encrypt_transit(plain);
    const std::size_t header = 112 + 6 + kWrapped.size();
    ASSERT_GE(cipher.size(), header);
    EXPECT_EQ(cipher.substr(0, 8), "VAULTENC");
    EXPECT_EQ(cipher[8], 2);
    EXPECT_EQ(cipher[9], 2);
    EXPECT_NE(cipher.find(kWrapped), std::string::npos);
    EXPECT_EQ(cipher.size(), header + n + (n / kMinChunkSize + 1) * kChunkOverhead);
    auto info = parse_header(std::span(reinterpret_cast<const std::uint8_t*>(cipher.data()), header));
    ASSERT_TRUE(info) << info.error().message();
    EXPECT_EQ(info->header_size, header);
    EXPECT_EQ(info->key_name, "orders");
    EXPECT_EQ(info->wrapped_key, kWrapped);
    std::string out;
    int calls = 0;
    auto r = decrypt_transit(cipher, out, &calls);
    ASSERT_TRUE(r) << r.error().message();
    EXPECT_EQ(calls, 1);
    EXPECT_EQ(out, plain);
  }
}

TEST(TransitFile, WrongDataKeyOrModifiedHeaderFails) {
  const std::string plain = plaintext(9000);
  const std::string cipher = encrypt_transit(plain);
  std::string out;
  auto wrong = decrypt_transit(cipher, out, nullptr, 8);
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().kind(), ErrorKind::DecryptionOperation);
  EXPECT_TRUE(out.empty());
  // Any header byte changed: the resolver refuses, the lengths break, or the MAC fails.
  const std::size_t header = 112 + 6 + kWrapped.size();
  for (std::size_t i = 0; i < header; ++i) {
    std::string t = cipher;
    t[i] = static_cast<char>(t[i] ^ 0x04);
    auto r = decrypt_transit(t, out);
    ASSERT_FALSE(r) << "byte " << i;
    EXPECT_TRUE(out.empty()) << "byte " << i;
  }
  // Truncated inside the variable part of the header.
  auto cut = decrypt_transit(cipher.substr(0, header - 10), out);
  ASSERT_FALSE(cut);
  EXPECT_EQ(cut.error().kind(), ErrorKind::DecryptionOperation);
}

TEST(TransitFile, KeySourcesMustMatchTheHeader) {
  const std::string cipher = encrypt_transit("hello");
  std::istringstream in(cipher);
  std::ostringstream out;
  auto r = decrypt_stream(in, out, KeyMaterial::from_key(key_of(9)));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind(), ErrorKind::Validation);
  // A version 1 (key file) file is not opened by a transit resolver.
  std::istringstream plain_in("hello");
  std::ostringstream v1;
  ASSERT_TRUE(encrypt_stream(plain_in, v1, KeyMaterial::from_key(key_of(9))));
  EXPECT_EQ(v1.str()[8], 1);
  std::string dummy;
  auto r2 = decrypt_transit(v1.str(), dummy);
  ASSERT_FALSE(r2);
  EXPECT_EQ(r2.error().kind(), ErrorKind::Validation);
  // Encrypting needs a name and a wrapped key of sane size.
  std::istringstream in3("x");
  std::ostringstream out3;
  EXPECT_FALSE(encrypt_stream(in3, out3, KeyMaterial::from_transit(key_of(1), "", kWrapped)));
  EXPECT_FALSE(encrypt_stream(in3, out3, KeyMaterial::from_transit(key_of(1), "n", std::string(1025, 'w'))));
}

}  // namespace
}  // namespace vault::crypto::stream
