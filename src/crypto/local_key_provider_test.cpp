#include "crypto/local_key_provider.hpp"

#include "crypto/key_files.hpp"
#include "support/temp_dir.hpp"
#include "vault/crypto/aead.hpp"
#include "vault/crypto/envelope.hpp"
#include "vault/crypto/observer.hpp"

#include <gtest/gtest.h>

#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace vault::crypto {
namespace {

namespace fs = std::filesystem;
std::string slurp(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

TEST(LocalKeyProvider, MasterKeyFileIsCreated0600AndKeyringHoldsNoPlainKeys) {
  testing::TempDir dir;
  const auto ring = dir.path() / "k" / "keyring.sealed";
  SecureBytes dek_bytes = generate_dek();
  {
    auto p = open_key_provider("local://" + ring.string());
    ASSERT_TRUE(p) << p.error().message();
    ASSERT_TRUE((*p)->ensure_kek("t1"));
    auto w = (*p)->wrap("t1", dek_bytes);
    ASSERT_TRUE(w);
  }
  struct stat st {};
  ASSERT_EQ(::stat((dir.path() / "k" / "master.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(st.st_size, 32);
  const std::string sealed = slurp(ring);
  ASSERT_FALSE(sealed.empty());
  EXPECT_EQ(sealed.find("t1"), std::string::npos);  // even tenant ids are inside the seal
  auto h = parse_header(sealed);
  ASSERT_TRUE(h);
  EXPECT_EQ(h->key_id, "vault-keyring");
  // No leftover temp files.
  for (const auto& e : fs::directory_iterator(dir.path() / "k"))
    EXPECT_EQ(e.path().filename().string().find(".tmp-"), std::string::npos) << e.path();
}

TEST(LocalKeyProvider, WrongMasterKeyCannotOpenTheKeyring) {
  testing::TempDir dir;
  const auto ring = dir.path() / "keyring.sealed";
  {
    auto p = LocalKeyProvider::open(ring, SecureBytes::random(32));
    ASSERT_TRUE(p);
    ASSERT_TRUE((*p)->ensure_kek("t1"));
  }
  auto p = LocalKeyProvider::open(ring, SecureBytes::random(32));
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().kind(), ErrorKind::KeyProvider);
}

TEST(LocalKeyProvider, SecondProviderOnTheSameKeyringIsRefused) {
  testing::TempDir dir;
  const auto ring = dir.path() / "keyring.sealed";
  auto master = SecureBytes::random(32);
  auto a = LocalKeyProvider::open(ring, master.clone());
  ASSERT_TRUE(a);
  auto b = LocalKeyProvider::open(ring, master.clone());
  ASSERT_FALSE(b);
  EXPECT_EQ(b.error().kind(), ErrorKind::KeyProvider);
  a->reset();
  EXPECT_TRUE(LocalKeyProvider::open(ring, master.clone()));
}

TEST(LocalKeyProvider, MasterKeyFromEnvironmentHexOrBase64) {
  testing::TempDir dir;
  const std::string hex(64, 'a');  // 0xaa * 32
  ::setenv("VAULT_TEST_MASTER_HEX", hex.c_str(), 1);
  // base64 of 32 bytes of 0xaa
  ::setenv("VAULT_TEST_MASTER_B64", "qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqo=", 1);
  auto a = detail::master_key_from_env("VAULT_TEST_MASTER_HEX");
  auto b = detail::master_key_from_env("VAULT_TEST_MASTER_B64");
  ASSERT_TRUE(a && b);
  EXPECT_TRUE(*a == *b);
  ::setenv("VAULT_TEST_MASTER_BAD", "not-a-key", 1);
  EXPECT_FALSE(detail::master_key_from_env("VAULT_TEST_MASTER_BAD"));
  EXPECT_FALSE(detail::master_key_from_env("VAULT_TEST_MASTER_UNSET_XYZ"));

  const auto url = "local://" + (dir.path() / "r.sealed").string() + "?master_key_env=VAULT_TEST_MASTER_HEX";
  {
    auto p = open_key_provider(url);
    ASSERT_TRUE(p) << p.error().message();
    ASSERT_TRUE((*p)->ensure_kek("t"));
  }
  EXPECT_FALSE(fs::exists(dir.path() / "master.key"));
  auto p = open_key_provider("local://" + (dir.path() / "r.sealed").string() + "?master_key_env=VAULT_TEST_MASTER_B64");
  ASSERT_TRUE(p) << p.error().message();
  EXPECT_EQ((*p)->current_version("t").value_or(0), 1u);
}

TEST(LocalKeyProvider, GroupReadableMasterKeyFileIsRejected) {
  testing::TempDir dir;
  const auto key = dir.path() / "master.key";
  std::ofstream(key) << std::string(64, 'b');
  ::chmod(key.c_str(), 0644);
  auto r = detail::load_or_create_master_key(key);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind(), ErrorKind::Configuration);
  ::chmod(key.c_str(), 0600);
  EXPECT_TRUE(detail::load_or_create_master_key(key));
}

TEST(KeyProviderFactory, DefaultsUnderDataDirAndRejectsBadUrls) {
  testing::TempDir dir;
  {
    auto p = open_key_provider("", KeyProviderDefaults{dir.path()});
    ASSERT_TRUE(p) << p.error().message();
    EXPECT_EQ((*p)->kind(), "local");
  }
  EXPECT_TRUE(fs::exists(dir.path() / "keys" / "keyring.sealed"));
  EXPECT_TRUE(fs::exists(dir.path() / "keys" / "master.key"));
  for (const char* bad : {"vault://x", "local://host/path", "pkcs11:///nonexistent.so", "local:///x?%zz=1"}) {
    auto p = open_key_provider(bad, KeyProviderDefaults{dir.path()});
    EXPECT_FALSE(p) << bad;
  }
  auto no_dir = open_key_provider("local");
  ASSERT_FALSE(no_dir);
  EXPECT_EQ(no_dir.error().kind(), ErrorKind::Configuration);
  auto secret_pin = open_key_provider("pkcs11:///nonexistent/module.so?token=x&pin=SECRETPIN");
  ASSERT_FALSE(secret_pin);
  EXPECT_EQ(secret_pin.error().message().find("SECRETPIN"), std::string::npos);
}

struct KmsCounter : CryptoObserver {
  std::atomic<int> wraps{0}, unwrap_fail{0};
  void on_operation(std::string_view, std::string_view, bool, double) override {}
  void on_kms_operation(std::string_view op, bool ok, double) override {
    if (op == "wrap" && ok) ++wraps;
    if (op == "unwrap" && !ok) ++unwrap_fail;
  }
};

TEST(KeyProviderFactory, ProvidersReportToTheObserver) {
  testing::TempDir dir;
  KmsCounter c;
  set_crypto_observer(&c);
  auto p = open_key_provider("", KeyProviderDefaults{dir.path()});
  ASSERT_TRUE(p);
  ASSERT_TRUE((*p)->ensure_kek("t"));
  auto w = (*p)->wrap("t", generate_dek());
  ASSERT_TRUE(w);
  EXPECT_FALSE((*p)->unwrap("other", *w));
  set_crypto_observer(nullptr);
  EXPECT_EQ(c.wraps, 1);
  EXPECT_EQ(c.unwrap_fail, 1);
}

// ---- Envelope over a real provider

TEST(EnvelopeWithLocalProvider, DekLifecycleRotationAndShredding) {
  testing::TempDir dir;
  auto p = open_key_provider("", KeyProviderDefaults{dir.path()});
  ASSERT_TRUE(p);
  std::shared_ptr<KeyProvider> kp = std::move(*p);
  Envelope env(kp, DekCacheOptions{.max_entries = 16, .ttl = std::chrono::minutes(1)});

  auto nd = env.create_dek("t1", "ds1", 1);
  ASSERT_TRUE(nd) << nd.error().message();
  EXPECT_EQ(env.cache().size(), 0u);  // cached only once stored (remember)
  auto other = env.create_dek("t1", "ds2", 1);
  ASSERT_TRUE(other);
  const auto stored = serialize_wrapped_key(nd->wrapped);
  auto sealed = seal_record(*nd->key, {"t1", "ds1", "r1"}, "CANARY payload");
  auto sealed2 = seal_record(*other->key, {"t1", "ds2", "r1"}, "other payload");
  ASSERT_TRUE(sealed && sealed2);

  // Read path with a cold cache: unwrap from the stored wrapped key.
  env.forget_tenant("t1");
  auto wk = parse_wrapped_key(stored);
  ASSERT_TRUE(wk);
  auto h = parse_header(*sealed);
  ASSERT_TRUE(h);
  auto dk = env.data_key("t1", "ds1", h->key_version, *wk);
  ASSERT_TRUE(dk) << dk.error().message();
  EXPECT_TRUE((*dk)->key == nd->key->key);
  auto back = open_record(**dk, {"t1", "ds1", "r1"}, *sealed);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, "CANARY payload");
  EXPECT_EQ(env.cache().size(), 1u);

  // KEK rotation: rewrap moves the DEK to the new version; the old version can then be retired.
  ASSERT_TRUE(kp->rotate("t1"));
  auto rewrapped = env.rewrap("t1", *wk);
  ASSERT_TRUE(rewrapped);
  EXPECT_EQ(rewrapped->kek_version, 2u);
  auto rewrapped2 = env.rewrap("t1", other->wrapped);
  ASSERT_TRUE(rewrapped2);
  ASSERT_TRUE(kp->retire("t1", 1));
  env.forget_tenant("t1");
  EXPECT_FALSE(env.data_key("t1", "ds1", 1, *wk));  // old wrap is dead
  auto dk2 = env.data_key("t1", "ds1", 1, *rewrapped);
  ASSERT_TRUE(dk2);
  EXPECT_TRUE(open_record(**dk2, {"t1", "ds1", "r1"}, *sealed));

  // Shredding the tenant: no DEK comes back, so no record opens.
  env.forget_tenant("t1");
  ASSERT_TRUE(kp->destroy("t1"));
  EXPECT_FALSE(env.data_key("t1", "ds1", 1, *rewrapped));
  EXPECT_FALSE(env.data_key("t1", "ds2", 1, *rewrapped2));
}

TEST(EnvelopeWithLocalProvider, DataKeyOfAnotherDatasetsWrapIsCachedUnderTheRequestedIdOnly) {
  testing::TempDir dir;
  auto p = open_key_provider("", KeyProviderDefaults{dir.path()});
  ASSERT_TRUE(p);
  std::shared_ptr<KeyProvider> kp = std::move(*p);
  Envelope env(kp);
  auto a = env.create_dek("t1", "dsA", 1);
  ASSERT_TRUE(a);
  auto sealed = seal_record(*a->key, {"t1", "dsA", "r"}, "x");
  ASSERT_TRUE(sealed);
  env.forget_tenant("t1");
  // Even if a caller mixes up wrapped keys, the AAD keeps dataset B from opening A's record.
  auto dkb = env.data_key("t1", "dsB", 1, a->wrapped);
  ASSERT_TRUE(dkb);
  EXPECT_FALSE(open_record(**dkb, {"t1", "dsB", "r"}, *sealed));
}

}  // namespace
}  // namespace vault::crypto
