#pragma once
/// Conformance suite of KeyStore: wrapped data keys and named tenant keys (key_store.hpp).
/// Fixture, helpers and how to instantiate: store_conformance.hpp.
#include "conformance/store_conformance.hpp"

namespace vault::storage::conformance {

class KeyStoreConformance : public StoreConformance {};

TEST_P(KeyStoreConformance, DataKeysAreScopedVersionedAndShreddedWithTheDataset) {
  tenant("t1");
  tenant("t2");
  dataset("t1", "ds1", "keys");
  DataKey k{"t1", "ds1", 1, "kek-t1", 1, std::string("\x00\x01wrapped\xff", 10), DataKeyState::Active, 0};
  ASSERT_TRUE(s().keys.put_data_key(k));
  VAULT_EXPECT_KIND(s().keys.put_data_key(k), ErrorKind::Conflict);
  DataKey other_tenant = k;
  other_tenant.tenant_id = "t2";
  VAULT_EXPECT_KIND(s().keys.put_data_key(other_tenant), ErrorKind::DatasetNotFound);
  VAULT_EXPECT_KIND(s().keys.list_data_keys("t2", "ds1"), ErrorKind::DatasetNotFound);
  DataKey k2 = k;
  k2.version = 2;
  k2.wrapped = "second";
  ASSERT_TRUE(s().keys.put_data_key(k2));
  auto keys = s().keys.list_data_keys("t1", "ds1");
  ASSERT_TRUE(keys);
  ASSERT_EQ(keys->size(), 2u);
  EXPECT_EQ((*keys)[0].version, 1);
  EXPECT_EQ((*keys)[0].wrapped, k.wrapped);  // binary-safe
  EXPECT_EQ((*keys)[0].kek_id, "kek-t1");
  EXPECT_GT((*keys)[0].created_at, 0);
  EXPECT_EQ((*keys)[1].wrapped, "second");

  // A KEK rotation rewraps in place.
  DataKey rewrapped = k;
  rewrapped.kek_version = 2;
  rewrapped.wrapped = "rewrapped";
  rewrapped.state = DataKeyState::DecryptOnly;
  ASSERT_TRUE(s().keys.update_data_key(rewrapped));
  keys = s().keys.list_data_keys("t1", "ds1");
  EXPECT_EQ((*keys)[0].kek_version, 2);
  EXPECT_EQ((*keys)[0].wrapped, "rewrapped");
  EXPECT_EQ((*keys)[0].state, DataKeyState::DecryptOnly);
  DataKey missing = k;
  missing.version = 9;
  VAULT_EXPECT_KIND(s().keys.update_data_key(missing), ErrorKind::ResourceNotFound);

  // Deleting the dataset destroys its wrapped keys (crypto-shredding).
  ASSERT_TRUE(s().datasets.delete_dataset("t1", "ds1"));
  dataset("t1", "ds1", "keys");  // same id again: starts without keys
  keys = s().keys.list_data_keys("t1", "ds1");
  ASSERT_TRUE(keys);
  EXPECT_TRUE(keys->empty());
}

TEST_P(KeyStoreConformance, ManyDataKeysAreRewrappedInOneCallSkippingWhatIsGone) {
  tenant("t1");
  tenant("t2");
  dataset("t1", "a", "a");
  dataset("t1", "b", "b");
  dataset("t1", "gone", "gone");
  for (const char* ds : {"a", "b", "gone"})
    for (std::int64_t v : {1, 2})
      ASSERT_TRUE(s().keys.put_data_key(DataKey{"t1", ds, v, "kek-t1", 1, "old", DataKeyState::Active, 0}));
  ASSERT_TRUE(s().datasets.delete_dataset("t1", "gone"));
  std::vector<DataKey> rewraps;
  for (const char* ds : {"a", "b", "gone"})
    for (std::int64_t v : {1, 2})
      rewraps.push_back(DataKey{"t1", ds, v, "kek-t1", 2, std::string("new-") + ds, DataKeyState::DecryptOnly, 0});
  rewraps.push_back(DataKey{"t1", "a", 7, "kek-t1", 2, "no such version", DataKeyState::Active, 0});
  rewraps.push_back(DataKey{"t2", "a", 1, "kek-t2", 2, "not t2's dataset", DataKeyState::Active, 0});
  auto n = s().keys.update_data_keys(rewraps);
  ASSERT_TRUE(n) << n.error().message();
  EXPECT_EQ(*n, 4);  // a and b, versions 1 and 2; the rest skipped
  for (const char* ds : {"a", "b"}) {
    auto keys = s().keys.list_data_keys("t1", ds);
    ASSERT_TRUE(keys);
    ASSERT_EQ(keys->size(), 2u);
    for (const auto& k : *keys) {
      EXPECT_EQ(k.kek_version, 2);
      EXPECT_EQ(k.wrapped, std::string("new-") + ds);
      EXPECT_EQ(k.state, DataKeyState::DecryptOnly);
    }
  }
  auto none = s().keys.update_data_keys({});
  ASSERT_TRUE(none);
  EXPECT_EQ(*none, 0);
}

TEST_P(KeyStoreConformance, TenantKeysAreVersionedPerNameAndTenantScoped) {
  TenantKeyConfig cfg{"t1", "orders", "aes256-gcm96", 1, false, 0, 0};
  TenantKey v1{"t1", "orders", 1, std::string("\x01\x00wrapped-1\xff", 12), TenantKeyState::Active, 0};
  ASSERT_TRUE(s().keys.create_tenant_key(cfg, v1));
  VAULT_EXPECT_KIND(s().keys.create_tenant_key(cfg, v1), ErrorKind::Conflict);
  TenantKey v2 = v1;
  v2.version = 2;
  v2.wrapped = "wrapped-2";
  ASSERT_TRUE(s().keys.put_tenant_key(v2));
  VAULT_EXPECT_KIND(s().keys.put_tenant_key(v2), ErrorKind::Conflict);  // a concurrent rotation lost
  TenantKey orphan = v2;
  orphan.name = "missing";
  VAULT_EXPECT_KIND(s().keys.put_tenant_key(orphan), ErrorKind::ResourceNotFound);
  TenantKey bad_first = v1;
  bad_first.version = 2;
  EXPECT_FALSE(
      s().keys.create_tenant_key(TenantKeyConfig{"t1", "other", "aes256-gcm96", 1, false, 0, 0}, bad_first));

  auto keys = s().keys.list_tenant_keys("t1", "orders");
  ASSERT_TRUE(keys) << keys.error().message();
  ASSERT_EQ(keys->size(), 2u);
  EXPECT_EQ((*keys)[0].version, 1);
  EXPECT_EQ((*keys)[0].wrapped, v1.wrapped);  // binary-safe
  EXPECT_EQ((*keys)[0].state, TenantKeyState::Active);
  EXPECT_GT((*keys)[0].created_at, 0);
  EXPECT_EQ((*keys)[1].version, 2);
  EXPECT_EQ((*keys)[1].wrapped, "wrapped-2");
  auto none = s().keys.list_tenant_keys("t1", "missing");
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());

  // Tenant isolation: the same name in t2 is another key; t2 sees nothing of t1.
  auto t2_keys = s().keys.list_tenant_keys("t2", "orders");
  ASSERT_TRUE(t2_keys);
  EXPECT_TRUE(t2_keys->empty());
  auto t2_cfg = s().keys.get_tenant_key_config("t2", "orders");
  ASSERT_TRUE(t2_cfg);
  EXPECT_FALSE(t2_cfg->has_value());
  VAULT_EXPECT_KIND(s().keys.put_tenant_key(TenantKey{"t2", "orders", 3, "x", TenantKeyState::Active, 0}),
                    ErrorKind::ResourceNotFound);
  TenantKeyConfig cfg2{"t2", "orders", "aes256-gcm96", 1, false, 0, 0};
  ASSERT_TRUE(s().keys.create_tenant_key(
      cfg2, TenantKey{"t2", "orders", 1, "t2-wrapped", TenantKeyState::Active, 0}));
  EXPECT_EQ(s().keys.list_tenant_keys("t1", "orders")->size(), 2u);
  EXPECT_EQ(s().keys.list_tenant_keys("t2", "orders")->front().wrapped, "t2-wrapped");

  // Names are listed sorted, per tenant.
  ASSERT_TRUE(
      s().keys.create_tenant_key(TenantKeyConfig{"t1", "_anonymization", "aes256-gcm96", 1, false, 0, 0},
                                 TenantKey{"t1", "_anonymization", 1, "anon", TenantKeyState::Active, 0}));
  auto names = s().keys.list_tenant_key_names("t1");
  ASSERT_TRUE(names);
  ASSERT_EQ(names->size(), 2u);
  EXPECT_EQ((*names)[0].name, "_anonymization");
  EXPECT_EQ((*names)[1].name, "orders");
  EXPECT_EQ((*names)[1].min_decryption_version, 1);
  EXPECT_GT((*names)[1].created_at, 0);
  EXPECT_EQ(s().keys.list_tenant_key_names("t2")->size(), 1u);
  EXPECT_TRUE(s().keys.list_tenant_key_names("t3")->empty());
}

TEST_P(KeyStoreConformance, TenantKeyConfigRewrapAndDelete) {
  TenantKeyConfig cfg{"t1", "k", "aes256-gcm96", 1, false, 0, 0};
  ASSERT_TRUE(s().keys.create_tenant_key(cfg, TenantKey{"t1", "k", 1, "w1", TenantKeyState::Active, 0}));
  ASSERT_TRUE(s().keys.put_tenant_key(TenantKey{"t1", "k", 2, "w2", TenantKeyState::Active, 0}));

  cfg.min_decryption_version = 2;
  cfg.deletion_allowed = true;
  ASSERT_TRUE(s().keys.update_tenant_key_config(cfg));
  auto got = s().keys.get_tenant_key_config("t1", "k");
  ASSERT_TRUE(got);
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ((*got)->min_decryption_version, 2);
  EXPECT_TRUE((*got)->deletion_allowed);
  EXPECT_GE((*got)->updated_at, (*got)->created_at);
  TenantKeyConfig other_tenant = cfg;
  other_tenant.tenant_id = "t2";
  VAULT_EXPECT_KIND(s().keys.update_tenant_key_config(other_tenant), ErrorKind::ResourceNotFound);
  TenantKeyConfig bad = cfg;
  bad.min_decryption_version = 0;
  EXPECT_FALSE(s().keys.update_tenant_key_config(bad));

  // A KEK rotation rewraps a version in place.
  ASSERT_TRUE(s().keys.update_tenant_key(TenantKey{"t1", "k", 1, "rewrapped", TenantKeyState::Retired, 0}));
  auto keys = s().keys.list_tenant_keys("t1", "k");
  ASSERT_TRUE(keys);
  EXPECT_EQ((*keys)[0].wrapped, "rewrapped");
  EXPECT_EQ((*keys)[0].state, TenantKeyState::Retired);
  EXPECT_EQ((*keys)[1].wrapped, "w2");
  VAULT_EXPECT_KIND(s().keys.update_tenant_key(TenantKey{"t1", "k", 9, "x", TenantKeyState::Active, 0}),
                    ErrorKind::ResourceNotFound);
  VAULT_EXPECT_KIND(s().keys.update_tenant_key(TenantKey{"t2", "k", 1, "x", TenantKeyState::Active, 0}),
                    ErrorKind::ResourceNotFound);

  // Another tenant's delete touches nothing; the owner's destroys every version.
  auto zero = s().keys.delete_tenant_keys("t2", "k");
  ASSERT_TRUE(zero);
  EXPECT_EQ(*zero, 0);
  auto n = s().keys.delete_tenant_keys("t1", "k");
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 2);
  EXPECT_TRUE(s().keys.list_tenant_keys("t1", "k")->empty());
  EXPECT_FALSE(s().keys.get_tenant_key_config("t1", "k")->has_value());
  // The name can be created again, starting over at version 1.
  ASSERT_TRUE(s().keys.create_tenant_key(cfg, TenantKey{"t1", "k", 1, "fresh", TenantKeyState::Active, 0}));
  EXPECT_EQ(s().keys.list_tenant_keys("t1", "k")->size(), 1u);
}

TEST_P(KeyStoreConformance, ConcurrentTenantKeyCreationHasOneWinner) {
  constexpr int kThreads = 8;
  std::atomic<int> created{0}, conflicts{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i)
    threads.emplace_back([&, i] {
      auto r = s().keys.create_tenant_key(
          TenantKeyConfig{"t1", "race", "aes256-gcm96", 1, false, 0, 0},
          TenantKey{"t1", "race", 1, "w" + std::to_string(i), TenantKeyState::Active, 0});
      if (r) ++created;
      else if (r.error().kind() == ErrorKind::Conflict) ++conflicts;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(created.load(), 1);
  EXPECT_EQ(conflicts.load(), kThreads - 1);
  EXPECT_EQ(s().keys.list_tenant_keys("t1", "race")->size(), 1u);
}

}  // namespace vault::storage::conformance
