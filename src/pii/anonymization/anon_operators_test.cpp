#include "vault/pii/anonymization/anonymizer.hpp"

#include "vault/pii/detection/validators.hpp"

#include <gtest/gtest.h>

#include <regex>
#include <thread>

namespace vault::pii {
namespace {

const std::string kMaster(32, 'm');

AnonymizerKeys keys_for(std::string_view tenant) {
  auto k = derive_anonymizer_keys(crypto::as_bytes(kMaster), tenant);
  EXPECT_TRUE(k);
  return std::move(*k);
}

struct Fixture {
  AnonymizerKeys keys = keys_for("t1");
  InMemoryTokenStore store;
  AnonymizerContext ctx{&keys, "t1", &store};
};

OperatorSpec op(OperatorKind k) {
  OperatorSpec s;
  s.kind = k;
  return s;
}

std::string apply(const AnonymizerContext& ctx, std::string_view entity, std::string_view v, const OperatorSpec& s) {
  auto r = apply_operator(entity, v, s, ctx);
  EXPECT_TRUE(r) << (r ? "" : r.error().message());
  return r ? *r : "";
}

TEST(AnonKeysTest, DerivationIsDeterministicAndPerTenant) {
  auto a = keys_for("t1");
  auto b = keys_for("t1");
  auto c = keys_for("t2");
  EXPECT_EQ(a.hmac_key.size(), 32u);
  EXPECT_EQ(a.fpe_key.size(), 32u);
  EXPECT_EQ(a.aead_key.size(), 32u);
  EXPECT_TRUE(a.hmac_key == b.hmac_key);
  EXPECT_TRUE(a.aead_key == b.aead_key);
  EXPECT_EQ(a.aead_key_id, b.aead_key_id);
  EXPECT_FALSE(a.hmac_key == c.hmac_key);
  EXPECT_FALSE(a.fpe_key == c.fpe_key);
  EXPECT_NE(a.aead_key_id, c.aead_key_id);
  EXPECT_FALSE(a.hmac_key == a.fpe_key);
  EXPECT_FALSE(a.hmac_key == a.aead_key);
  EXPECT_TRUE(std::regex_match(a.aead_key_id, std::regex("ak-[0-9a-f]{16}")));
  auto short_master = derive_anonymizer_keys(crypto::as_bytes("short"), "t1");
  ASSERT_FALSE(short_master);
  EXPECT_EQ(short_master.error().kind(), ErrorKind::Validation);
  auto clone = a.clone();
  EXPECT_TRUE(clone.fpe_key == a.fpe_key);
}

TEST(AnonOperatorTest, KeepRedactReplace) {
  Fixture f;
  EXPECT_EQ(apply(f.ctx, "EMAIL_ADDRESS", "a@b.co", op(OperatorKind::Keep)), "a@b.co");
  EXPECT_EQ(apply(f.ctx, "EMAIL_ADDRESS", "a@b.co", op(OperatorKind::Redact)), "");
  EXPECT_EQ(apply(f.ctx, "EMAIL_ADDRESS", "a@b.co", op(OperatorKind::Replace)), "<EMAIL_ADDRESS>");
  auto r = op(OperatorKind::Replace);
  r.value = "[email]";
  EXPECT_EQ(apply(f.ctx, "EMAIL_ADDRESS", "a@b.co", r), "[email]");
}

TEST(AnonOperatorTest, Mask) {
  Fixture f;
  auto m = op(OperatorKind::Mask);
  EXPECT_EQ(apply(f.ctx, "CREDIT_CARD", "4111 1111 1111 1234", m), "**** **** **** 1234");
  EXPECT_EQ(apply(f.ctx, "US_SSN", "123-45-6789", m), "***-**-6789");
  EXPECT_EQ(apply(f.ctx, "EMAIL_ADDRESS", "ab@cd.io", m), "**@**.**");  // not digit-ish: keep 0
  EXPECT_EQ(apply(f.ctx, "X", "1234", m), "****");                       // never shown whole
  m.mask_char = "#";
  m.keep_last = 2;
  EXPECT_EQ(apply(f.ctx, "X", "123456", m), "####56");
  m.keep_last = 0;
  m.chars_to_mask = 3;
  EXPECT_EQ(apply(f.ctx, "X", "123456", m), "###456");
  m.from_end = true;
  EXPECT_EQ(apply(f.ctx, "X", "123456", m), "123###");
  m = op(OperatorKind::Mask);
  m.keep_first = 1;
  m.keep_last = 1;
  m.mask_separators = true;
  EXPECT_EQ(apply(f.ctx, "X", "a-b-c", m), "a***c");
  m = op(OperatorKind::Mask);
  m.mask_char = "•";
  m.keep_last = 0;
  EXPECT_EQ(apply(f.ctx, "PERSON", "Zoë", m), "•••");
}

TEST(AnonOperatorTest, HashIsKeyedDeterministicAndTruncatable) {
  Fixture f;
  auto h = op(OperatorKind::Hash);
  auto a = apply(f.ctx, "EMAIL_ADDRESS", "x@y.z", h);
  EXPECT_TRUE(std::regex_match(a, std::regex("[0-9a-f]{64}")));
  EXPECT_EQ(a, apply(f.ctx, "OTHER", "x@y.z", h));  // entity does not matter: joinable
  EXPECT_NE(a, apply(f.ctx, "EMAIL_ADDRESS", "x@y.zz", h));
  auto other = keys_for("t2");
  AnonymizerContext ctx2{&other, "t2", nullptr};
  EXPECT_NE(a, apply(ctx2, "EMAIL_ADDRESS", "x@y.z", h));
  h.hash_length = 12;
  EXPECT_EQ(apply(f.ctx, "EMAIL_ADDRESS", "x@y.z", h), a.substr(0, 12));
  // Known answer: HMAC-SHA256 with the RFC 4231 test case 2 key/data.
  AnonymizerKeys k;
  k.hmac_key = crypto::SecureBytes::copy_of(std::string_view("Jefe"));
  AnonymizerContext kctx{&k, "t", nullptr};
  EXPECT_EQ(apply(kctx, "X", "what do ya want for nothing?", op(OperatorKind::Hash)),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(AnonOperatorTest, TokenizeIsReversibleAndTenantScoped) {
  Fixture f;
  auto t = op(OperatorKind::Tokenize);
  auto tok = apply(f.ctx, "EMAIL_ADDRESS", "x@y.z", t);
  EXPECT_TRUE(looks_like_token(tok)) << tok;
  EXPECT_TRUE(tok.starts_with("tok_email_address_"));
  EXPECT_EQ(tok, apply(f.ctx, "EMAIL_ADDRESS", "x@y.z", t));  // stable
  EXPECT_NE(tok, apply(f.ctx, "EMAIL_ADDRESS", "x@y.zz", t));
  auto back = reverse_operator("EMAIL_ADDRESS", tok, t, f.ctx);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, "x@y.z");
  AnonymizerContext other{&f.keys, "t2", &f.store};
  auto miss = reverse_operator("EMAIL_ADDRESS", tok, t, other);
  ASSERT_FALSE(miss);
  EXPECT_EQ(miss.error().kind(), ErrorKind::ResourceNotFound);
  AnonymizerContext no_store{&f.keys, "t1", nullptr};
  auto cfg = apply_operator("EMAIL_ADDRESS", "x@y.z", t, no_store);
  ASSERT_FALSE(cfg);
  EXPECT_EQ(cfg.error().kind(), ErrorKind::Configuration);
  EXPECT_FALSE(looks_like_token("tok_x_short"));
}

TEST(AnonOperatorTest, InMemoryTokenStoreIsThreadSafe) {
  InMemoryTokenStore store;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&store] {
      for (int i = 0; i < 200; ++i) ASSERT_TRUE(store.tokenize("t", "E", "v" + std::to_string(i)));
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(store.size(), 200u);
}

TEST(AnonOperatorTest, FpeKeepsFormatAndReverses) {
  Fixture f;
  auto s = op(OperatorKind::Fpe);
  auto enc = apply(f.ctx, "US_SSN", "123-45-6789", s);
  EXPECT_TRUE(std::regex_match(enc, std::regex(R"(\d{3}-\d{2}-\d{4})"))) << enc;
  EXPECT_NE(enc, "123-45-6789");
  EXPECT_EQ(enc, apply(f.ctx, "US_SSN", "123-45-6789", s));
  auto dec = reverse_operator("US_SSN", enc, s, f.ctx);
  ASSERT_TRUE(dec);
  EXPECT_EQ(*dec, "123-45-6789");
  // The default tweak depends on the entity; an explicit tweak overrides it.
  EXPECT_NE(enc, apply(f.ctx, "OTHER", "123-45-6789", s));
  s.tweak = "00112233445566";
  auto with_tweak = apply(f.ctx, "US_SSN", "123-45-6789", s);
  EXPECT_EQ(with_tweak, apply(f.ctx, "OTHER", "123-45-6789", s));
  auto short_value = apply_operator("X", "12-34", s, f.ctx);
  ASSERT_FALSE(short_value);
  EXPECT_EQ(short_value.error().kind(), ErrorKind::Validation);
  auto card = apply(f.ctx, "CREDIT_CARD", "4111 1111 1111 1111", op(OperatorKind::Fpe));
  EXPECT_TRUE(std::regex_match(card, std::regex(R"(\d{4} \d{4} \d{4} \d{4})"))) << card;
}

TEST(AnonOperatorTest, Generalize) {
  Fixture f;
  auto g = op(OperatorKind::Generalize);
  EXPECT_EQ(apply(f.ctx, "DATE_TIME", "1987-03-15", g), "1987");
  EXPECT_EQ(apply(f.ctx, "DATE_TIME", "March 15, 1987", g), "1987");
  EXPECT_EQ(apply(f.ctx, "IP_ADDRESS", "192.168.17.42", g), "192.168.17.0/24");
  EXPECT_EQ(apply(f.ctx, "IP_ADDRESS", "2001:db8:85a3:1234::8a2e:370:7334", g), "2001:db8:85a3::/48");
  EXPECT_EQ(apply(f.ctx, "AGE", "37", g), "30-39");
  EXPECT_EQ(apply(f.ctx, "UK_POSTCODE", "SW1A 1AA", g), "SW1");
  g.generalize_to = GeneralizeTo::YearMonth;
  EXPECT_EQ(apply(f.ctx, "DATE_TIME", "1987-03-15T10:00:00Z", g), "1987-03");
  EXPECT_EQ(apply(f.ctx, "DATE_TIME", "15.03.1987", g), "1987-03");
  EXPECT_EQ(apply(f.ctx, "DATE_TIME", "25/12/2020", g), "2020-12");
  EXPECT_EQ(apply(f.ctx, "DATE_TIME", "12/25/2020", g), "2020-12");
  EXPECT_EQ(apply(f.ctx, "DATE_TIME", "3 Jan 2001", g), "2001-01");
  EXPECT_EQ(apply(f.ctx, "DATE_TIME", "01/02/99", g), "1999-01");
  g.generalize_to = GeneralizeTo::AgeBand;
  g.band_width = 5;
  EXPECT_EQ(apply(f.ctx, "AGE", "37", g), "35-39");
  g.generalize_to = GeneralizeTo::Prefix;
  g.prefix_length = 2;
  EXPECT_EQ(apply(f.ctx, "DE_PLZ", "10115", g), "10");
  g.generalize_to = GeneralizeTo::Network;
  g.ipv4_prefix = 16;
  EXPECT_EQ(apply(f.ctx, "IP_ADDRESS", "192.168.17.42", g), "192.168.0.0/16");
  auto bad = apply_operator("DATE_TIME", "Monday", op(OperatorKind::Generalize), f.ctx);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().kind(), ErrorKind::Validation);
}

TEST(AnonOperatorTest, EncryptRoundTripAndBinding) {
  Fixture f;
  auto e = op(OperatorKind::Encrypt);
  auto c1 = apply(f.ctx, "EMAIL_ADDRESS", "x@y.z", e);
  auto c2 = apply(f.ctx, "EMAIL_ADDRESS", "x@y.z", e);
  EXPECT_TRUE(c1.starts_with("enc:v1:" + f.keys.aead_key_id + ":")) << c1;
  EXPECT_NE(c1, c2);  // random nonce
  EXPECT_EQ(c1.find("x@y.z"), std::string::npos);
  auto d = decrypt_value(c1, f.ctx);
  ASSERT_TRUE(d);
  EXPECT_EQ(*d, "x@y.z");
  auto rev = reverse_operator("EMAIL_ADDRESS", c2, e, f.ctx);
  ASSERT_TRUE(rev);
  EXPECT_EQ(*rev, "x@y.z");
  // Another tenant (other keys, other AAD) cannot decrypt; nor can a tampered value.
  auto other = keys_for("t2");
  AnonymizerContext ctx2{&other, "t2", nullptr};
  auto wrong = decrypt_value(c1, ctx2);
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().kind(), ErrorKind::DecryptionOperation);
  AnonymizerContext same_keys_other_tenant{&f.keys, "t2", nullptr};
  EXPECT_FALSE(decrypt_value(c1, same_keys_other_tenant));
  std::string tampered = c1;
  tampered[tampered.size() - 3] = tampered[tampered.size() - 3] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(decrypt_value(tampered, f.ctx));
  EXPECT_FALSE(decrypt_value("enc:v2:x:abc", f.ctx));
  EXPECT_FALSE(decrypt_value("plain", f.ctx));
}

TEST(AnonOperatorTest, MissingKeysAreConfigurationErrors) {
  AnonymizerContext none;
  for (auto k : {OperatorKind::Hash, OperatorKind::Pseudonymize, OperatorKind::Fpe, OperatorKind::Encrypt}) {
    auto r = apply_operator("US_SSN", "123-45-6789", op(k), none);
    ASSERT_FALSE(r) << operator_name(k);
    EXPECT_EQ(r.error().kind(), ErrorKind::Configuration);
  }
  EXPECT_TRUE(apply_operator("US_SSN", "123-45-6789", op(OperatorKind::Mask), none));
  auto not_reversible = reverse_operator("X", "v", op(OperatorKind::Hash), none);
  ASSERT_FALSE(not_reversible);
  EXPECT_EQ(not_reversible.error().kind(), ErrorKind::Validation);
}

TEST(AnonOperatorTest, PseudonymizeIsTenantConsistent) {
  Fixture f;
  auto p = op(OperatorKind::Pseudonymize);
  auto a = apply(f.ctx, "CREDIT_CARD", "4111111111111111", p);
  EXPECT_EQ(a, apply(f.ctx, "CREDIT_CARD", "4111111111111111", p));
  EXPECT_TRUE(luhn_valid(a));
  auto other = keys_for("t2");
  AnonymizerContext ctx2{&other, "t2", nullptr};
  EXPECT_NE(a, apply(ctx2, "CREDIT_CARD", "4111111111111111", p));
}

}  // namespace
}  // namespace vault::pii
