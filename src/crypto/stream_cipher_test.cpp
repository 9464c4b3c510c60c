#include "vault/crypto/stream_cipher.hpp"

#include <gtest/gtest.h>

#include <random>
#include <sstream>
#include <string>

namespace vault::crypto::stream {
namespace {

constexpr std::uint32_t kSmall = kMinChunkSize;  // 4 KiB keeps the exhaustive tests fast

std::string random_bytes(std::size_t n, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng());
  return s;
}

FileKey key_of(std::uint8_t fill) {
  std::array<std::uint8_t, kKeySize> b{};
  b.fill(fill);
  return FileKey(b);
}

KeyMaterial km(std::uint8_t fill = 7) {
  return KeyMaterial::from_key(key_of(fill));
}

/// Cheap Argon2id parameters for tests.
constexpr Argon2idParams kFastArgon{.t_cost = 1, .m_cost_kib = 64, .parallelism = 1};

EncryptOptions opts(std::uint32_t chunk) {
  EncryptOptions o;
  o.chunk_size = chunk;
  return o;
}

std::string encrypt(const std::string& plain, const KeyMaterial& k, std::uint32_t chunk = kDefaultChunkSize) {
  std::istringstream in(plain);
  std::ostringstream out;
  auto r = encrypt_stream(in, out, k, opts(chunk));
  EXPECT_TRUE(r) << r.error().message();
  return out.str();
}

struct Decrypted {
  Result<StreamStats> result;
  std::string out;
};

Decrypted decrypt(const std::string& cipher, const KeyMaterial& k) {
  std::istringstream in(cipher);
  std::ostringstream out;
  auto r = decrypt_stream(in, out, k);
  return {std::move(r), out.str()};
}

std::size_t record_offset(std::size_t index, std::uint32_t chunk) {
  return kHeaderSize + index * (chunk + kChunkOverhead);
}

/// A failed decryption may only have released whole, verified chunks: a
/// prefix of the plaintext whose length is a multiple of the chunk size.
void expect_safe_failure(const Decrypted& d, const std::string& plain, std::uint32_t chunk) {
  ASSERT_FALSE(d.result);
  auto kind = d.result.error().kind();
  EXPECT_TRUE(kind == ErrorKind::DecryptionOperation || kind == ErrorKind::Validation)
      << static_cast<int>(kind);
  EXPECT_EQ(d.out.size() % chunk, 0u);
  EXPECT_LE(d.out.size(), plain.size());
  EXPECT_EQ(d.out, plain.substr(0, d.out.size()));
}

TEST(StreamCipher, RoundTripAtChunkBoundaries) {
  auto k = km();
  for (std::uint32_t c : {kSmall, kDefaultChunkSize}) {
    for (std::size_t n : {std::size_t{0}, std::size_t{1}, std::size_t{c - 1}, std::size_t{c},
                          std::size_t{c + 1}, std::size_t{3 * c}, std::size_t{3 * c + 7}}) {
      SCOPED_TRACE("chunk " + std::to_string(c) + " size " + std::to_string(n));
      auto plain = random_bytes(n, static_cast<std::uint32_t>(n));
      auto cipher = encrypt(plain, k, c);
      std::size_t chunks = n / c + 1;  // the last one is short or empty, and final
      EXPECT_EQ(cipher.size(), kHeaderSize + n + chunks * kChunkOverhead);
      EXPECT_EQ(cipher.substr(0, 8), "VAULTENC");
      auto d = decrypt(cipher, k);
      ASSERT_TRUE(d.result) << d.result.error().message();
      EXPECT_EQ(d.out, plain);
      EXPECT_EQ(d.result->chunks, chunks);
      EXPECT_EQ(d.result->plaintext_bytes, n);
    }
  }
}

TEST(StreamCipher, RoundTripSeveralMiBWithRandomChunkSizes) {
  std::mt19937 rng(42);
  auto plain = random_bytes(3 * 1024 * 1024 + 12345, 1);
  auto k = km(9);
  std::uniform_int_distribution<std::uint32_t> sizes(kMinChunkSize, 1024 * 1024);
  std::vector<std::uint32_t> chunk_sizes{kMaxChunkSize, kMinChunkSize + 1};
  for (int i = 0; i < 4; ++i) chunk_sizes.push_back(sizes(rng));
  for (auto c : chunk_sizes) {
    SCOPED_TRACE(c);
    auto cipher = encrypt(plain, k, c);
    auto info = parse_header(std::span(reinterpret_cast<const std::uint8_t*>(cipher.data()), kHeaderSize));
    ASSERT_TRUE(info);
    EXPECT_EQ(info->chunk_size, c);
    auto d = decrypt(cipher, k);
    ASSERT_TRUE(d.result) << d.result.error().message();
    EXPECT_TRUE(d.out == plain);
  }
}

TEST(StreamCipher, EncryptionsDifferAndDoNotContainThePlaintext) {
  auto k = km();
  std::string plain(10000, 'A');
  auto a = encrypt(plain, k, kSmall);
  auto b = encrypt(plain, k, kSmall);
  EXPECT_NE(a, b);
  EXPECT_NE(a.substr(44, 32), b.substr(44, 32));  // file ids
  EXPECT_EQ(a.find(std::string(32, 'A')), std::string::npos);
}

TEST(StreamCipher, TruncationAtEveryLengthFails) {
  auto k = km();
  auto plain = random_bytes(2 * kSmall + kSmall / 2, 3);
  auto cipher = encrypt(plain, k, kSmall);
  for (std::size_t len = 0; len < cipher.size(); ++len) {
    SCOPED_TRACE(len);
    expect_safe_failure(decrypt(cipher.substr(0, len), k), plain, kSmall);
  }
}

TEST(StreamCipher, MissingFinalChunkIsReportedAsTruncation) {
  auto k = km();
  auto plain = random_bytes(2 * kSmall, 4);  // a multiple: the final chunk is empty
  auto cipher = encrypt(plain, k, kSmall);
  auto d = decrypt(cipher.substr(0, cipher.size() - kChunkOverhead), k);
  ASSERT_FALSE(d.result);
  EXPECT_EQ(d.result.error().kind(), ErrorKind::DecryptionOperation);
  EXPECT_NE(d.result.error().message().find("truncated"), std::string::npos);
  EXPECT_EQ(d.out, plain);  // both full chunks verified; the stream ended before the final one
}

TEST(StreamCipher, DataAfterTheFinalChunkFails) {
  auto k = km();
  auto plain = random_bytes(kSmall + 10, 5);
  auto cipher = encrypt(plain, k, kSmall);
  for (const std::string& tail : {std::string(1, '\0'), cipher.substr(kHeaderSize), cipher}) {
    auto d = decrypt(cipher + tail, k);
    ASSERT_FALSE(d.result);
    EXPECT_EQ(d.result.error().kind(), ErrorKind::DecryptionOperation);
    EXPECT_NE(d.result.error().message().find("after the final chunk"), std::string::npos);
  }
}

TEST(StreamCipher, ReorderedDuplicatedOrDroppedChunksFail) {
  auto k = km();
  auto plain = random_bytes(3 * kSmall + 100, 6);
  auto cipher = encrypt(plain, k, kSmall);
  const std::size_t rec = kSmall + kChunkOverhead;
  auto chunk = [&](std::size_t i) { return cipher.substr(record_offset(i, kSmall), rec); };
  auto head = cipher.substr(0, kHeaderSize);
  auto last = cipher.substr(record_offset(3, kSmall));
  std::vector<std::string> variants{
      head + chunk(1) + chunk(0) + chunk(2) + last,             // swapped
      head + chunk(0) + chunk(0) + chunk(1) + chunk(2) + last,  // duplicated
      head + chunk(0) + chunk(2) + last,                        // dropped
      head + chunk(0) + chunk(1) + chunk(2) + chunk(2) + last,  // duplicated before the end
      head + chunk(0) + chunk(1) + last,                        // final chunk moved earlier
  };
  for (std::size_t v = 0; v < variants.size(); ++v) {
    SCOPED_TRACE(v);
    auto d = decrypt(variants[v], k);
    expect_safe_failure(d, plain, kSmall);
    EXPECT_EQ(d.result.error().kind(), ErrorKind::DecryptionOperation);
  }
}

TEST(StreamCipher, ChunkFromAnotherFileUnderTheSameKeyFails) {
  auto k = km();
  auto plain = random_bytes(2 * kSmall + 1, 7);
  auto a = encrypt(plain, k, kSmall);
  auto b = encrypt(plain, k, kSmall);
  auto spliced = a.substr(0, record_offset(1, kSmall)) +
                 b.substr(record_offset(1, kSmall), kSmall + kChunkOverhead) +
                 a.substr(record_offset(2, kSmall));
  auto d = decrypt(spliced, k);
  expect_safe_failure(d, plain, kSmall);
  EXPECT_EQ(d.out.size(), kSmall);  // chunk 0 was fine
}

TEST(StreamCipher, EveryBitFlipIsDetected) {
  auto k = km();
  auto plain = random_bytes(2 * kSmall + kSmall / 2, 8);
  auto cipher = encrypt(plain, k, kSmall);
  for (std::size_t i = 0; i < cipher.size(); ++i) {
    SCOPED_TRACE(i);
    auto t = cipher;
    t[i] = static_cast<char>(t[i] ^ (1 << (i % 8)));
    expect_safe_failure(decrypt(t, k), plain, kSmall);
  }
}

TEST(StreamCipher, HeaderTamperingIsReported) {
  auto k = km();
  auto cipher = encrypt("hello", k, kSmall);
  auto with = [&](std::size_t off, std::uint8_t value) {
    auto t = cipher;
    t[off] = static_cast<char>(value);
    return decrypt(t, k);
  };
  EXPECT_EQ(with(0, 'X').result.error().kind(), ErrorKind::Validation);  // magic
  EXPECT_EQ(with(8, 2).result.error().kind(), ErrorKind::Validation);    // version
  EXPECT_EQ(with(9, 7).result.error().kind(), ErrorKind::Validation);    // kdf id
  EXPECT_EQ(with(13, 0x20).result.error().kind(),
            ErrorKind::DecryptionOperation);                               // 2 MiB: valid, not authentic
  EXPECT_EQ(with(12, 0x7f).result.error().kind(), ErrorKind::Validation);  // chunk size > 16 MiB
  auto id = with(50, static_cast<std::uint8_t>(cipher[50] ^ 0xff));        // file id
  EXPECT_EQ(id.result.error().kind(), ErrorKind::DecryptionOperation);
  EXPECT_NE(id.result.error().message().find("header authentication failed"), std::string::npos);
  EXPECT_TRUE(id.out.empty());
  EXPECT_EQ(decrypt("not an encrypted file at all", k).result.error().kind(), ErrorKind::Validation);
  EXPECT_EQ(decrypt("", k).result.error().kind(), ErrorKind::Validation);
}

TEST(StreamCipher, WrongKeyFailsBeforeAnyOutput) {
  auto plain = random_bytes(3 * kSmall, 9);
  auto cipher = encrypt(plain, km(1), kSmall);
  auto d = decrypt(cipher, km(2));
  ASSERT_FALSE(d.result);
  EXPECT_EQ(d.result.error().kind(), ErrorKind::DecryptionOperation);
  EXPECT_NE(d.result.error().message().find("wrong key"), std::string::npos);
  EXPECT_TRUE(d.out.empty());
}

TEST(StreamCipher, PassphraseRoundTripAndWrongPassphrase) {
  auto plain = random_bytes(kSmall + 3, 10);
  auto enc_key = KeyMaterial::from_passphrase("correct horse battery staple", kFastArgon);
  auto cipher = encrypt(plain, enc_key, kSmall);
  auto info = parse_header(std::span(reinterpret_cast<const std::uint8_t*>(cipher.data()), kHeaderSize));
  ASSERT_TRUE(info);
  EXPECT_EQ(info->kdf, KdfId::Argon2id);
  EXPECT_EQ(info->argon2, kFastArgon);
  // Decryption takes the parameters from the header, whatever the caller's.
  auto ok = decrypt(cipher, KeyMaterial::from_passphrase("correct horse battery staple"));
  ASSERT_TRUE(ok.result) << ok.result.error().message();
  EXPECT_EQ(ok.out, plain);
  auto wrong = decrypt(cipher, KeyMaterial::from_passphrase("correct horse battery stapler"));
  ASSERT_FALSE(wrong.result);
  EXPECT_EQ(wrong.result.error().kind(), ErrorKind::DecryptionOperation);
  EXPECT_TRUE(wrong.out.empty());
  // Tampered salt or cost: the derived key changes, the header MAC fails.
  for (std::size_t off : {std::size_t{23}, std::size_t{30}}) {
    auto t = cipher;
    t[off] = static_cast<char>(t[off] ^ 1);
    auto d = decrypt(t, KeyMaterial::from_passphrase("correct horse battery staple"));
    ASSERT_FALSE(d.result);
    EXPECT_EQ(d.result.error().kind(), ErrorKind::DecryptionOperation);
  }
}

TEST(StreamCipher, KeyKindMustMatchTheFile) {
  auto by_key = encrypt("x", km(), kSmall);
  auto by_pass = encrypt("x", KeyMaterial::from_passphrase("pw", kFastArgon), kSmall);
  auto a = decrypt(by_key, KeyMaterial::from_passphrase("pw"));
  ASSERT_FALSE(a.result);
  EXPECT_EQ(a.result.error().kind(), ErrorKind::Validation);
  auto b = decrypt(by_pass, km());
  ASSERT_FALSE(b.result);
  EXPECT_EQ(b.result.error().kind(), ErrorKind::Validation);
}

TEST(StreamCipher, RejectsBadOptions) {
  std::istringstream in("x");
  std::ostringstream out;
  for (std::uint32_t c : {0u, kMinChunkSize - 1, kMaxChunkSize + 1}) {
    auto r = encrypt_stream(in, out, km(), opts(c));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind(), ErrorKind::Validation);
  }
  auto empty = encrypt_stream(in, out, KeyMaterial::from_passphrase("", kFastArgon));
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().kind(), ErrorKind::Validation);
  auto bad_params = encrypt_stream(in, out, KeyMaterial::from_passphrase("pw", {0, 64, 1}));
  ASSERT_FALSE(bad_params);
  EXPECT_EQ(bad_params.error().kind(), ErrorKind::Validation);
  EXPECT_TRUE(out.str().empty());
}

TEST(StreamCipher, WriteFailureIsReported) {
  std::istringstream in(std::string(10000, 'z'));
  std::ostringstream out;
  out.setstate(std::ios::badbit);
  auto r = encrypt_stream(in, out, km(), opts(kSmall));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind(), ErrorKind::InternalServer);
}

TEST(StreamCipher, ProgressReportsInputConsumed) {
  auto plain = random_bytes(3 * kSmall + 5, 11);
  std::vector<std::uint64_t> seen;
  std::istringstream in(plain);
  std::ostringstream out;
  ASSERT_TRUE(encrypt_stream(
      in, out, km(), {.chunk_size = kSmall, .on_progress = [&](std::uint64_t n) { seen.push_back(n); }}));
  EXPECT_EQ(seen, (std::vector<std::uint64_t>{kSmall, 2 * kSmall, 3 * kSmall, plain.size()}));
  seen.clear();
  std::istringstream cin(out.str());
  std::ostringstream pout;
  ASSERT_TRUE(decrypt_stream(cin, pout, km(), {.on_progress = [&](std::uint64_t n) { seen.push_back(n); }}));
  ASSERT_EQ(seen.size(), 4u);
  EXPECT_EQ(seen.back(), out.str().size());
}

TEST(KeyFile, AcceptsRawHexAndBase64) {
  std::string raw;
  for (int i = 0; i < 32; ++i) raw += static_cast<char>(i == 31 ? '\n' : i * 7);  // raw may end in whitespace
  auto k = parse_key_file(raw);
  ASSERT_TRUE(k);
  EXPECT_EQ(k->bytes()[1], 7);
  EXPECT_EQ(k->bytes()[31], '\n');

  auto text = format_key_file(key_of(0xab));
  std::string expected;
  for (int i = 0; i < 32; ++i) expected += "ab";
  EXPECT_EQ(text, expected + "\n");
  auto h = parse_key_file(text);
  ASSERT_TRUE(h);
  EXPECT_EQ(h->bytes()[0], 0xab);
  auto upper = parse_key_file("  " + std::string(64, 'F') + "\r\n");
  ASSERT_TRUE(upper);
  EXPECT_EQ(upper->bytes()[31], 0xff);

  // 32 bytes 0x00..0x1f in standard base64.
  auto b = parse_key_file("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n");
  ASSERT_TRUE(b) << b.error().message();
  for (int i = 0; i < 32; ++i) EXPECT_EQ(b->bytes()[i], i);
}

TEST(KeyFile, RejectsEverythingElse) {
  for (std::string bad : {std::string(), std::string(31, 'x'), std::string(33, 'x'), std::string(63, 'a'),
                          std::string(65, 'a'), std::string(63, 'a') + "g",
                          std::string("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8"),   // no padding
                          std::string("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh9="),  // non-zero tail bits
                          std::string("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdH!8=")}) {
    auto k = parse_key_file(bad);
    ASSERT_FALSE(k) << bad;
    EXPECT_EQ(k.error().kind(), ErrorKind::Validation);
    EXPECT_EQ(k.error().message().find(bad.empty() ? "\x01" : bad), std::string::npos);
  }
}

TEST(KeyFile, RandomKeysDiffer) {
  auto a = FileKey::random();
  auto b = FileKey::random();
  EXPECT_NE(format_key_file(a), format_key_file(b));
}

}  // namespace
}  // namespace vault::crypto::stream
