#include "crypto/pkcs11_key_provider.hpp"

#include "crypto/pkcs11_module.hpp"  // pkcs11.h (GNU names)
#include "crypto/softhsm_test_token.hpp"

#include <gtest/gtest.h>

#include <cstdlib>

namespace vault::crypto {
namespace {

using testing::kSoftHsmModule;
using testing::SoftHsmToken;

TEST(Pkcs11KeyProvider, WrongPinOrTokenFailsWithoutEchoingThePin) {
  ASSERT_TRUE(SoftHsmToken::get().ok());
  auto bad_pin = Pkcs11KeyProvider::open(Pkcs11Config{kSoftHsmModule, "vault-test", SecureBytes::copy_of(std::string_view("wrongpin"))});
  ASSERT_FALSE(bad_pin);
  EXPECT_EQ(bad_pin.error().kind(), ErrorKind::KeyProvider);
  EXPECT_EQ(bad_pin.error().message().find("wrongpin"), std::string::npos);
  auto bad_token = Pkcs11KeyProvider::open(Pkcs11Config{kSoftHsmModule, "no-such-token", SecureBytes::copy_of(std::string_view("5678"))});
  ASSERT_FALSE(bad_token);
  EXPECT_EQ(bad_token.error().kind(), ErrorKind::KeyProvider);
}

TEST(Pkcs11KeyProvider, PinFromEnvironment) {
  ASSERT_TRUE(SoftHsmToken::get().ok());
  ::setenv("VAULT_TEST_HSM_PIN", "5678", 1);
  auto p = open_key_provider(std::string("pkcs11://") + kSoftHsmModule + "?token=vault-test&pin_env=VAULT_TEST_HSM_PIN");
  ASSERT_TRUE(p) << p.error().message();
  EXPECT_EQ((*p)->kind(), "pkcs11");
  EXPECT_TRUE((*p)->ping());
  auto missing = open_key_provider(std::string("pkcs11://") + kSoftHsmModule + "?token=vault-test&pin_env=VAULT_TEST_UNSET_PIN_X");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().kind(), ErrorKind::Configuration);
}

TEST(Pkcs11KeyProvider, KeksAreSensitiveAndNotExtractable) {
  ASSERT_TRUE(SoftHsmToken::get().ok());
  auto p = open_key_provider(SoftHsmToken::url());
  ASSERT_TRUE(p) << p.error().message();
  ASSERT_TRUE((*p)->ensure_kek("extract-test"));
  // Look at the object with a second session of the same (already logged-in) application.
  auto m = detail::Pkcs11Module::load(kSoftHsmModule);
  ASSERT_TRUE(m);
  auto* f = (*m)->fn();
  unsigned long n = 0;
  ASSERT_EQ(f->C_GetSlotList(1, nullptr, &n), CKR_OK);
  std::vector<ck_slot_id_t> slots(n);
  ASSERT_EQ(f->C_GetSlotList(1, slots.data(), &n), CKR_OK);
  std::string label = "vault-kek/extract-test/1";
  bool found = false;
  for (auto slot : slots) {
    ck_session_handle_t s = 0;
    if (f->C_OpenSession(slot, CKF_SERIAL_SESSION, nullptr, nullptr, &s) != CKR_OK) continue;
    ck_attribute tmpl{CKA_LABEL, label.data(), label.size()};
    ck_object_handle_t h = 0;
    unsigned long count = 0;
    f->C_FindObjectsInit(s, &tmpl, 1);
    f->C_FindObjects(s, &h, 1, &count);
    f->C_FindObjectsFinal(s);
    if (count == 1) {
      found = true;
      unsigned char extractable = 1, sensitive = 0;
      ck_attribute flags[] = {{CKA_EXTRACTABLE, &extractable, 1}, {CKA_SENSITIVE, &sensitive, 1}};
      ASSERT_EQ(f->C_GetAttributeValue(s, h, flags, 2), CKR_OK);
      EXPECT_EQ(extractable, 0);
      EXPECT_EQ(sensitive, 1);
      unsigned char value[64];
      ck_attribute v{CKA_VALUE, value, sizeof value};
      EXPECT_EQ(f->C_GetAttributeValue(s, h, &v, 1), CKR_ATTRIBUTE_SENSITIVE);
    }
    f->C_CloseSession(s);
  }
  EXPECT_TRUE(found);
  ASSERT_TRUE((*p)->destroy("extract-test"));
}

}  // namespace
}  // namespace vault::crypto
