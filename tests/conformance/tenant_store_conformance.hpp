#pragma once
/// Conformance suite of TenantStore: tenants and API keys (tenant_store.hpp). delete_tenant, which
/// spans every aggregate, is checked in cross_aggregate_conformance.hpp.
/// Fixture, helpers and how to instantiate: store_conformance.hpp.
#include "conformance/store_conformance.hpp"

namespace vault::storage::conformance {

class TenantStoreConformance : public StoreConformance {};

TEST_P(TenantStoreConformance, TenantsCreateGetListAndConflicts) {
  ASSERT_TRUE(s().tenants.create_tenant(Tenant{"t2", "beta", "active", 5}));
  ASSERT_TRUE(s().tenants.create_tenant(Tenant{"t1", "alpha", "active", 7}));
  auto t = s().tenants.get_tenant("t1");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->name, "alpha");
  EXPECT_EQ(t->status, "active");
  EXPECT_EQ(t->created_at, 7);
  VAULT_EXPECT_KIND(s().tenants.get_tenant("nope"), ErrorKind::TenantNotFound);
  VAULT_EXPECT_KIND(s().tenants.create_tenant(Tenant{"t1", "other", "active", 1}), ErrorKind::Conflict);
  VAULT_EXPECT_KIND(s().tenants.create_tenant(Tenant{"t3", "alpha", "active", 1}), ErrorKind::Conflict);
  auto all = s().tenants.list_tenants();
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 2u);
  std::set<std::string> names{(*all)[0].name, (*all)[1].name};
  EXPECT_EQ(names, (std::set<std::string>{"alpha", "beta"}));
}

TEST_P(TenantStoreConformance, ApiKeysFindListRevokeCount) {
  tenant("t1");
  tenant("t2");
  ApiKey k{"k1", "t1", "ci", Role::Writer, std::string(64, 'a'), "vk_abc", 10, false, {}};
  ASSERT_TRUE(s().tenants.create_api_key(k));
  ASSERT_TRUE(s().tenants.create_api_key(
      ApiKey{"k2", "t2", "ops", Role::Admin, std::string(64, 'b'), "vk_def", 11, false, {}}));
  auto found = s().tenants.find_api_key_by_hash(std::string(64, 'a'));
  ASSERT_TRUE(found);
  EXPECT_EQ(found->id, "k1");
  EXPECT_EQ(found->tenant_id, "t1");
  EXPECT_EQ(found->name, "ci");
  EXPECT_EQ(found->role, Role::Writer);
  EXPECT_EQ(found->prefix, "vk_abc");
  EXPECT_EQ(found->created_at, 10);
  EXPECT_FALSE(found->revoked);
  VAULT_EXPECT_KIND(s().tenants.find_api_key_by_hash(std::string(64, 'c')), ErrorKind::ApiKeyNotFound);

  auto l1 = s().tenants.list_api_keys("t1");
  ASSERT_TRUE(l1);
  ASSERT_EQ(l1->size(), 1u);
  EXPECT_EQ((*l1)[0].id, "k1");
  auto cnt = s().tenants.count_api_keys();
  ASSERT_TRUE(cnt);
  EXPECT_EQ(*cnt, 2);

  // Another tenant cannot revoke it.
  VAULT_EXPECT_KIND(s().tenants.revoke_api_key("t2", "k1"), ErrorKind::ApiKeyNotFound);
  VAULT_EXPECT_KIND(s().tenants.revoke_api_key("t1", "nope"), ErrorKind::ApiKeyNotFound);
  ASSERT_TRUE(s().tenants.revoke_api_key("t1", "k1"));
  found = s().tenants.find_api_key_by_hash(std::string(64, 'a'));
  ASSERT_TRUE(found);  // revoked keys are still returned
  EXPECT_TRUE(found->revoked);
  auto other = s().tenants.find_api_key_by_hash(std::string(64, 'b'));
  ASSERT_TRUE(other);
  EXPECT_FALSE(other->revoked);
}

TEST_P(TenantStoreConformance, RoleNamesRoundTrip) {
  for (Role r : {Role::Reader, Role::Writer, Role::Admin}) EXPECT_EQ(parse_role(role_name(r)), r);
  EXPECT_FALSE(parse_role("root"));
}

TEST_P(TenantStoreConformance, ApiKeyPermissionsRoundTrip) {
  tenant("t1");
  ApiKey k{"k1", "t1", "ci", Role::Reader, std::string(64, 'a'), "vk_abc", 10, false, {"pii:detokenize"}};
  ASSERT_TRUE(s().tenants.create_api_key(k));
  auto found = s().tenants.find_api_key_by_hash(k.key_hash);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->permissions, (std::vector<std::string>{"pii:detokenize"}));
}

}  // namespace vault::storage::conformance
