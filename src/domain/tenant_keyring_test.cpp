// TenantKeyring over the real SQLite store and the local key provider.
#include "domain/transit_test_fixture.hpp"
#include "vault/core/clock.hpp"

#include <atomic>
#include <set>
#include <thread>

namespace vault::domain::testing {
namespace {

using Keyring = KeyringTest;

TEST_F(Keyring, CreateStoresOnlyWrappedMaterialAndUnwrapsIt) {
  auto info = keyring_->create("t1", "orders");
  ASSERT_TRUE(info) << info.error().message();
  EXPECT_EQ(info->latest_version, 1);
  EXPECT_EQ(info->config.type, "aes256-gcm96");
  EXPECT_EQ(info->config.min_decryption_version, 1);
  ASSERT_EQ(info->versions.size(), 1u);
  VAULT_EXPECT_KIND(keyring_->create("t1", "orders"), ErrorKind::Conflict);

  auto k = keyring_->current("t1", "orders");
  ASSERT_TRUE(k) << k.error().message();
  EXPECT_EQ((*k)->key.size(), 32u);
  EXPECT_EQ((*k)->version, 1u);
  EXPECT_EQ((*k)->key_id, "orders");
  // The stored row is the wrapped key, never the material itself.
  auto rows = stores().keys.list_tenant_keys("t1", "orders");
  ASSERT_TRUE(rows);
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].wrapped.find((*k)->key.view()), std::string::npos);
  // Another keyring (cold cache) unwraps the same material.
  auto other = another_keyring()->key("t1", "orders", 1);
  ASSERT_TRUE(other);
  EXPECT_TRUE((*other)->key == (*k)->key);
}

TEST_F(Keyring, AnotherProcesssRotationIsSeenOnceTheMetadataTtlOfTheClockPassed) {
  ManualClock clock;
  TenantKeyringOptions o;
  o.meta_ttl = std::chrono::seconds(2);
  TenantKeyring mine(stores().keys, *provider_, events_, o, clock);
  ASSERT_TRUE(mine.create("t1", "k"));
  ASSERT_EQ((*mine.current("t1", "k"))->version, 1u);
  ASSERT_TRUE(another_keyring()->rotate("t1", "k"));  // another replica rotates
  clock.advance(std::chrono::milliseconds(1999));
  EXPECT_EQ((*mine.current("t1", "k"))->version, 1u);  // cached metadata
  clock.advance(std::chrono::milliseconds(1));
  EXPECT_EQ((*mine.current("t1", "k"))->version, 2u);
}

// In one process (or across replicas, with cache::ClusterEvents carrying
// the event), a rotation is seen at once, not after the metadata TTL.
TEST_F(Keyring, RotationPublishedOnTheSameKeyEventsIsSeenAtOnce) {
  ManualClock clock;
  TenantKeyringOptions o;
  o.meta_ttl = std::chrono::hours(1);
  TenantKeyring mine(stores().keys, *provider_, events_, o, clock);
  TenantKeyring theirs(stores().keys, *provider_, events_, o, clock);
  ASSERT_TRUE(mine.create("t1", "k"));
  ASSERT_EQ((*mine.current("t1", "k"))->version, 1u);
  ASSERT_EQ((*theirs.current("t1", "k"))->version, 1u);
  ASSERT_TRUE(theirs.rotate("t1", "k"));
  EXPECT_EQ((*mine.current("t1", "k"))->version, 2u);
  ASSERT_TRUE(theirs.destroy("t1", "k"));
  EXPECT_FALSE(mine.key("t1", "k", 1));  // cached material went with it
}

TEST_F(Keyring, ValidatesNameAndType) {
  VAULT_EXPECT_KIND(keyring_->create("t1", ""), ErrorKind::Validation);
  VAULT_EXPECT_KIND(keyring_->create("t1", std::string(129, 'a')), ErrorKind::Validation);
  VAULT_EXPECT_KIND(keyring_->create("t1", "k", "rsa-4096"), ErrorKind::Validation);
}

TEST_F(Keyring, UnknownNamesAreNotFound) {
  VAULT_EXPECT_KIND(keyring_->current("t1", "nope"), ErrorKind::ResourceNotFound);
  VAULT_EXPECT_KIND(keyring_->key("t1", "nope", 1), ErrorKind::ResourceNotFound);
  VAULT_EXPECT_KIND(keyring_->info("t1", "nope"), ErrorKind::ResourceNotFound);
  VAULT_EXPECT_KIND(keyring_->rotate("t1", "nope"), ErrorKind::ResourceNotFound);
  VAULT_EXPECT_KIND(keyring_->destroy("t1", "nope"), ErrorKind::ResourceNotFound);
  ASSERT_TRUE(keyring_->create("t1", "k"));
  VAULT_EXPECT_KIND(keyring_->key("t1", "k", 2), ErrorKind::KeyRetrieval);
  VAULT_EXPECT_KIND(keyring_->key("t1", "k", 0), ErrorKind::KeyRetrieval);
}

TEST_F(Keyring, RotateAddsVersionsAndKeepsOldOnes) {
  ASSERT_TRUE(keyring_->create("t1", "k"));
  auto v1 = keyring_->current("t1", "k");
  ASSERT_TRUE(v1);
  auto r = keyring_->rotate("t1", "k");
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(*r, 2);
  auto v2 = keyring_->current("t1", "k");
  ASSERT_TRUE(v2);
  EXPECT_EQ((*v2)->version, 2u);
  EXPECT_FALSE((*v2)->key == (*v1)->key);
  auto old = keyring_->key("t1", "k", 1);
  ASSERT_TRUE(old);
  EXPECT_TRUE((*old)->key == (*v1)->key);
  auto info = keyring_->info("t1", "k");
  ASSERT_TRUE(info);
  EXPECT_EQ(info->latest_version, 2);
  ASSERT_EQ(info->versions.size(), 2u);
  EXPECT_EQ(info->versions[1].version, 2);
}

TEST_F(Keyring, TenantsAreIsolated) {
  ASSERT_TRUE(keyring_->create("t1", "same"));
  ASSERT_TRUE(keyring_->create("t2", "same"));
  auto a = keyring_->current("t1", "same");
  auto b = keyring_->current("t2", "same");
  ASSERT_TRUE(a && b);
  EXPECT_FALSE((*a)->key == (*b)->key);
  VAULT_EXPECT_KIND(keyring_->current("t3", "same"), ErrorKind::ResourceNotFound);
  // A wrapped key of t1 copied into t2's row does not unwrap as t2.
  auto rows = stores().keys.list_tenant_keys("t1", "same");
  ASSERT_TRUE(rows);
  storage::TenantKey stolen = (*rows)[0];
  stolen.tenant_id = "t2";
  ASSERT_TRUE(stores().keys.update_tenant_key(stolen));
  EXPECT_FALSE(another_keyring()->key("t2", "same", 1));
}

TEST_F(Keyring, EnsureIsIdempotentAndRaceSafe) {
  constexpr int kThreads = 8;
  std::vector<std::unique_ptr<TenantKeyring>> rings;
  for (int i = 0; i < kThreads; ++i) rings.push_back(another_keyring());  // like separate processes
  std::vector<std::string> material(kThreads);
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i)
    threads.emplace_back([&, i] {
      auto e = rings[i]->ensure("t1", "_anonymization");
      if (!e) {
        ++failures;
        return;
      }
      auto k = rings[i]->current("t1", "_anonymization");
      if (!k) {
        ++failures;
        return;
      }
      material[i] = std::string((*k)->key.view());
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(std::set<std::string>(material.begin(), material.end()).size(), 1u);
  auto again = keyring_->ensure("t1", "_anonymization");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->latest_version, 1);
  EXPECT_EQ(stores().keys.list_tenant_keys("t1", "_anonymization")->size(), 1u);
}

TEST_F(Keyring, ListHidesReservedNamesUnlessAsked) {
  ASSERT_TRUE(keyring_->create("t1", "b"));
  ASSERT_TRUE(keyring_->create("t1", "a"));
  ASSERT_TRUE(keyring_->ensure("t1", "_anonymization"));
  auto visible = keyring_->list("t1");
  ASSERT_TRUE(visible);
  ASSERT_EQ(visible->size(), 2u);
  EXPECT_EQ((*visible)[0].name, "a");
  EXPECT_EQ((*visible)[1].name, "b");
  EXPECT_EQ(keyring_->list("t1", true)->size(), 3u);
}

TEST_F(Keyring, MinDecryptionVersionIsBounded) {
  ASSERT_TRUE(keyring_->create("t1", "k"));
  VAULT_EXPECT_KIND(keyring_->set_min_decryption_version("t1", "k", 2), ErrorKind::Validation);
  ASSERT_TRUE(keyring_->rotate("t1", "k"));
  auto set = keyring_->set_min_decryption_version("t1", "k", 2);
  ASSERT_TRUE(set) << set.error().message();
  EXPECT_EQ(set->config.min_decryption_version, 2);
  EXPECT_EQ(keyring_->config("t1", "k")->min_decryption_version, 2);
  VAULT_EXPECT_KIND(keyring_->set_min_decryption_version("t1", "k", 0), ErrorKind::Validation);
  auto allowed = keyring_->configure("t1", "k", TenantKeyPatch{std::nullopt, true});
  ASSERT_TRUE(allowed);
  EXPECT_TRUE(allowed->config.deletion_allowed);
  EXPECT_EQ(allowed->config.min_decryption_version, 2);  // unset fields stay
  VAULT_EXPECT_KIND(keyring_->configure("t2", "k", TenantKeyPatch{1, std::nullopt}), ErrorKind::ResourceNotFound);
}

TEST_F(Keyring, RewrapAllMovesVersionsToTheCurrentKek) {
  ASSERT_TRUE(keyring_->create("t1", "k"));
  ASSERT_TRUE(keyring_->rotate("t1", "k"));
  ASSERT_TRUE(keyring_->ensure("t1", "_anonymization"));
  auto before = keyring_->key("t1", "k", 1);
  ASSERT_TRUE(before);
  auto none = keyring_->rewrap_all("t1");
  ASSERT_TRUE(none);
  EXPECT_EQ(*none, 0);  // already under the current KEK version
  auto kek = provider_->rotate("t1");
  ASSERT_TRUE(kek);
  auto n = keyring_->rewrap_all("t1");
  ASSERT_TRUE(n) << n.error().message();
  EXPECT_EQ(*n, 3);
  auto rows = stores().keys.list_tenant_keys("t1", "k");
  ASSERT_TRUE(rows);
  ASSERT_EQ(rows->size(), 2u);
  for (const auto& row : *rows) {
    auto w = crypto::parse_wrapped_key(row.wrapped);
    ASSERT_TRUE(w);
    EXPECT_EQ(w->kek_version, *kek);
  }
  // The old KEK version can go; every key still unwraps (cold cache).
  ASSERT_TRUE(provider_->retire("t1", *kek - 1));
  auto after = another_keyring()->key("t1", "k", 1);
  ASSERT_TRUE(after) << after.error().message();
  EXPECT_TRUE((*after)->key == (*before)->key);
  auto empty_tenant = keyring_->rewrap_all("t9");
  ASSERT_TRUE(empty_tenant);
  EXPECT_EQ(*empty_tenant, 0);
}

TEST_F(Keyring, DestroyShredsTheKey) {
  ASSERT_TRUE(keyring_->create("t1", "k"));
  ASSERT_TRUE(keyring_->current("t1", "k"));
  ASSERT_TRUE(keyring_->destroy("t1", "k"));
  VAULT_EXPECT_KIND(keyring_->key("t1", "k", 1), ErrorKind::ResourceNotFound);
  VAULT_EXPECT_KIND(keyring_->current("t1", "k"), ErrorKind::ResourceNotFound);
}

}  // namespace
}  // namespace vault::domain::testing
