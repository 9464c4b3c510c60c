#include "vault/crypto/envelope.hpp"

#include "vault/crypto/aead.hpp"
#include "vault/crypto/observer.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <random>

namespace vault::crypto {
namespace {

DataKey dek(std::uint32_t version = 1) { return DataKey{"ds1", version, generate_dek()}; }

TEST(EncodeAad, FieldsAreLengthPrefixedSoBoundariesMatter) {
  EXPECT_NE(encode_aad({"a", "bc"}), encode_aad({"ab", "c"}));
  EXPECT_NE(encode_aad({"a|b", "c"}), encode_aad({"a", "b|c"}));
  EXPECT_NE(encode_aad({"", "x"}), encode_aad({"x", ""}));
  EXPECT_EQ(encode_aad({"ab"}), std::string("\0\0\0\x02" "ab", 6));
}

TEST(Envelope, GenerateDekIs32RandomBytes) {
  auto a = generate_dek(), b = generate_dek();
  EXPECT_EQ(a.size(), 32u);
  EXPECT_FALSE(a == b);
}

TEST(Envelope, RecordRoundTripsAndHeaderNamesTheDek) {
  std::mt19937_64 rng(7);
  const auto k = dek(3);
  for (std::size_t n : {0u, 1u, 1000u, 100000u}) {
    std::string pt(n, '\0');
    for (auto& c : pt) c = static_cast<char>(rng());
    auto s = seal_record(k, {"t1", "ds1", "rec-1"}, pt);
    ASSERT_TRUE(s);
    auto h = parse_header(*s);
    ASSERT_TRUE(h);
    EXPECT_EQ(h->key_id, "ds1");
    EXPECT_EQ(h->key_version, 3u);
    auto o = open_record(k, {"t1", "ds1", "rec-1"}, *s);
    ASSERT_TRUE(o);
    EXPECT_EQ(*o, pt);
  }
}

TEST(Envelope, CiphertextSwappedToAnotherRecordDatasetOrTenantFails) {
  const auto k = dek();
  auto s = seal_record(k, {"t1", "ds1", "rec-1"}, R"({"text":"CANARY"})");
  ASSERT_TRUE(s);
  for (auto fields : {std::vector<std::string>{"t1", "ds1", "rec-2"}, {"t1", "ds2", "rec-1"},
                      {"t2", "ds1", "rec-1"}, {"t1", "ds1rec-1", ""}, {"t1ds1", "rec-1", ""}}) {
    auto o = open_record(k, {fields[0], fields[1], fields[2]}, *s);
    ASSERT_FALSE(o);
    EXPECT_EQ(o.error().kind(), ErrorKind::DecryptionOperation);
  }
  EXPECT_FALSE(open_record(dek(), {"t1", "ds1", "rec-1"}, *s));  // another DEK
}

struct CountingObserver : CryptoObserver {
  std::atomic<int> enc_ok{0}, dec_ok{0}, dec_fail{0};
  void on_operation(std::string_view op, std::string_view alg, bool ok, double seconds) override {
    EXPECT_EQ(alg, "aes-256-gcm");
    EXPECT_GE(seconds, 0.0);
    if (op == "encrypt" && ok) ++enc_ok;
    if (op == "decrypt") ++(ok ? dec_ok : dec_fail);
  }
  void on_kms_operation(std::string_view, bool, double) override {}
};

TEST(Envelope, ObserverSeesEveryOperationWithItsOutcome) {
  CountingObserver obs;
  set_crypto_observer(&obs);
  const auto k = dek();
  auto s = seal_record(k, {"t", "d", "r"}, "x");
  ASSERT_TRUE(s);
  EXPECT_TRUE(open_record(k, {"t", "d", "r"}, *s));
  EXPECT_FALSE(open_record(k, {"t", "d", "other"}, *s));
  set_crypto_observer(nullptr);
  EXPECT_TRUE(open_record(k, {"t", "d", "r"}, *s));  // no longer counted
  EXPECT_EQ(obs.enc_ok, 1);
  EXPECT_EQ(obs.dec_ok, 1);
  EXPECT_EQ(obs.dec_fail, 1);
}

TEST(WrappedKeyCodec, RoundTripsAndRejectsGarbage) {
  WrappedKey w{"vault-kek/t1", 42, std::string("\x00\x01wrapped", 9)};
  auto s = serialize_wrapped_key(w);
  auto back = parse_wrapped_key(s);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, w);
  EXPECT_FALSE(parse_wrapped_key(""));
  EXPECT_FALSE(parse_wrapped_key("\x02xxxxxxxx"));
  EXPECT_FALSE(parse_wrapped_key(s.substr(0, 10)));
}

}  // namespace
}  // namespace vault::crypto
