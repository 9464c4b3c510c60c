// TransitService over the real SQLite store and the local key provider.
#include "domain/transit_test_fixture.hpp"

#include "vault/core/base64.hpp"

#include <boost/json/serialize.hpp>

namespace vault::domain::testing {
namespace {

class Transit : public KeyringTest {
 protected:
  void SetUp() override {
    KeyringTest::SetUp();
    ASSERT_TRUE(keyring_->create("t1", "k"));
  }
  static std::string b64(std::string_view s) { return base64_encode(s); }
  std::string reason_of(const Error& e) {
    auto it = e.details().find("reason");
    return it == e.details().end() ? "" : std::string(it->value().as_string());
  }
};

TEST_F(Transit, EncryptDecryptRoundTrip) {
  const std::string secret = std::string("card 4111-1111\x00\xff", 16);
  auto c = transit_->encrypt("t1", "k", b64(secret));
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_TRUE(c->ciphertext.starts_with("vault:v1:")) << c->ciphertext;
  EXPECT_EQ(c->key_version, 1);
  EXPECT_EQ(c->ciphertext.find("card"), std::string::npos);
  auto again = transit_->encrypt("t1", "k", b64(secret));
  ASSERT_TRUE(again);
  EXPECT_NE(again->ciphertext, c->ciphertext);  // fresh nonce
  auto p = transit_->decrypt("t1", "k", c->ciphertext);
  ASSERT_TRUE(p) << p.error().message();
  EXPECT_EQ(*p, b64(secret));
  auto empty = transit_->encrypt("t1", "k", "");
  ASSERT_TRUE(empty);
  EXPECT_EQ(*transit_->decrypt("t1", "k", empty->ciphertext), "");
}

TEST_F(Transit, ContextIsBound) {
  auto c = transit_->encrypt("t1", "k", b64("x"), b64("user-1"));
  ASSERT_TRUE(c);
  EXPECT_TRUE(transit_->decrypt("t1", "k", c->ciphertext, b64("user-1")));
  auto wrong = transit_->decrypt("t1", "k", c->ciphertext, b64("user-2"));
  VAULT_EXPECT_KIND(wrong, ErrorKind::Validation);
  EXPECT_EQ(reason_of(wrong.error()), "authentication_failed");
  VAULT_EXPECT_KIND(transit_->decrypt("t1", "k", c->ciphertext), ErrorKind::Validation);
}

TEST_F(Transit, CiphertextOfAnotherKeyOrTenantFails) {
  ASSERT_TRUE(keyring_->create("t1", "other"));
  ASSERT_TRUE(keyring_->create("t2", "k"));
  auto c = transit_->encrypt("t1", "k", b64("secret"));
  ASSERT_TRUE(c);
  auto other_key = transit_->decrypt("t1", "other", c->ciphertext);
  VAULT_EXPECT_KIND(other_key, ErrorKind::Validation);
  EXPECT_EQ(reason_of(other_key.error()), "key_mismatch");
  auto other_tenant = transit_->decrypt("t2", "k", c->ciphertext);
  VAULT_EXPECT_KIND(other_tenant, ErrorKind::Validation);
  EXPECT_EQ(reason_of(other_tenant.error()), "authentication_failed");
  VAULT_EXPECT_KIND(transit_->decrypt("t3", "k", c->ciphertext), ErrorKind::ResourceNotFound);
}

TEST_F(Transit, TamperingAnyByteFails) {
  auto c = transit_->encrypt("t1", "k", b64("the plaintext"));
  ASSERT_TRUE(c);
  const std::string body = c->ciphertext.substr(std::string("vault:v1:").size());
  const std::string sealed = *base64_decode(body);
  for (std::size_t i = 0; i < sealed.size(); ++i) {
    std::string t = sealed;
    t[i] = static_cast<char>(t[i] ^ 0x01);
    auto r = transit_->decrypt("t1", "k", "vault:v1:" + b64(t));
    ASSERT_FALSE(r) << "byte " << i;
    EXPECT_EQ(r.error().kind(), ErrorKind::Validation);
  }
  for (const char* bad : {"", "vault:v1:", "vault:v0:AAAA", "vault:v01:AAAA", "vault:vx:AAAA", "vault:v1:!!!!",
                          "v1:AAAA", "vault:v1:AAAA"}) {
    auto r = transit_->decrypt("t1", "k", bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().kind(), ErrorKind::Validation) << bad;
  }
  VAULT_EXPECT_KIND(transit_->decrypt("t1", "k", "vault:v7:" + body), ErrorKind::Validation);
}

TEST_F(Transit, RotateRewrapAndMinDecryptionVersion) {
  auto c1 = transit_->encrypt("t1", "k", b64("old"));
  ASSERT_TRUE(c1);
  ASSERT_TRUE(keyring_->rotate("t1", "k"));
  auto c2 = transit_->encrypt("t1", "k", b64("new"));
  ASSERT_TRUE(c2);
  EXPECT_TRUE(c2->ciphertext.starts_with("vault:v2:"));
  EXPECT_EQ(*transit_->decrypt("t1", "k", c1->ciphertext), b64("old"));
  auto rw = transit_->rewrap("t1", "k", c1->ciphertext);
  ASSERT_TRUE(rw) << rw.error().message();
  EXPECT_EQ(rw->key_version, 2);
  EXPECT_TRUE(rw->ciphertext.starts_with("vault:v2:"));
  EXPECT_EQ(*transit_->decrypt("t1", "k", rw->ciphertext), b64("old"));
  ASSERT_TRUE(keyring_->set_min_decryption_version("t1", "k", 2));
  auto refused = transit_->decrypt("t1", "k", c1->ciphertext);
  VAULT_EXPECT_KIND(refused, ErrorKind::Validation);
  EXPECT_EQ(reason_of(refused.error()), "version_below_min_decryption_version");
  VAULT_EXPECT_KIND(transit_->rewrap("t1", "k", c1->ciphertext), ErrorKind::Validation);
  EXPECT_TRUE(transit_->decrypt("t1", "k", rw->ciphertext));
}

TEST_F(Transit, DataKeys) {
  auto with = transit_->datakey("t1", "k", true);
  ASSERT_TRUE(with) << with.error().message();
  ASSERT_TRUE(with->plaintext);
  EXPECT_EQ(base64_decode(*with->plaintext)->size(), 32u);
  EXPECT_EQ(*transit_->decrypt("t1", "k", with->ciphertext), *with->plaintext);
  auto wrapped = transit_->datakey("t1", "k", false);
  ASSERT_TRUE(wrapped);
  EXPECT_FALSE(wrapped->plaintext);
  auto p = transit_->decrypt("t1", "k", wrapped->ciphertext);
  ASSERT_TRUE(p);
  EXPECT_NE(*p, *with->plaintext);
  VAULT_EXPECT_KIND(transit_->datakey("t1", "missing", true), ErrorKind::ResourceNotFound);
}

TEST_F(Transit, InputValidationAndLimits) {
  auto bad = transit_->encrypt("t1", "k", "not base64!");
  VAULT_EXPECT_KIND(bad, ErrorKind::Validation);
  EXPECT_EQ(std::string(bad.error().details().at("field").as_string()), "plaintext");
  VAULT_EXPECT_KIND(transit_->encrypt("t1", "k", b64("x"), "%%"), ErrorKind::Validation);
  // The fixture's limit is 4096 bytes of plaintext.
  EXPECT_TRUE(transit_->encrypt("t1", "k", b64(std::string(4096, 'a'))));
  VAULT_EXPECT_KIND(transit_->encrypt("t1", "k", b64(std::string(4097, 'a'))), ErrorKind::PayloadTooLarge);
  VAULT_EXPECT_KIND(transit_->encrypt("t1", "missing", b64("x")), ErrorKind::ResourceNotFound);
  EXPECT_EQ(*TransitService::ciphertext_version("vault:v12:AAAA"), 12);
}

TEST_F(Transit, ErrorsNeverEchoPlaintext) {
  auto c = transit_->encrypt("t1", "k", b64("canary-plaintext"), b64("canary-context"));
  ASSERT_TRUE(c);
  auto r = transit_->decrypt("t1", "k", c->ciphertext, b64("wrong"));
  ASSERT_FALSE(r);
  const std::string all = r.error().message() + boost::json::serialize(r.error().details());
  EXPECT_EQ(all.find("canary"), std::string::npos);
  EXPECT_EQ(all.find(c->ciphertext), std::string::npos);
}

}  // namespace
}  // namespace vault::domain::testing
