// AuthService over the real SQLite store: the auth cache never outlives a
// revocation, the last platform admin key stays, bootstrap after recovery.
#include "vault/domain/auth_service.hpp"

#include "support/temp_dir.hpp"
#include "vault/core/clock.hpp"
#include "vault/storage/factory.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>

namespace vault::domain {
namespace {

class AuthServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto dir = testing::process_temp_dir().fresh("auth");
    std::filesystem::create_directories(dir);
    auto s = storage::open_metadata_store("sqlite://" + (dir / "meta.db").string());
    ASSERT_TRUE(s) << s.error().message();
    backend_ = std::move(*s);
    // A long TTL: any stale entry would be served for the whole test.
    auth_ = std::make_unique<AuthService>(stores().tenants, std::chrono::hours(1));
    auto boot = auth_->bootstrap(std::nullopt);
    ASSERT_TRUE(boot && *boot);
    platform_secret_ = **boot;
  }
  void TearDown() override {
    auth_.reset();
    if (backend_) stores().ops.close();
  }
  std::unique_ptr<storage::MetadataBackend> backend_;
  const storage::Stores& stores() const { return backend_->stores(); }
  std::unique_ptr<AuthService> auth_;
  std::string platform_secret_;
};

TEST_F(AuthServiceTest, RevocationWinsOverALookupInFlight) {
  auto t = auth_->create_tenant("acme");
  ASSERT_TRUE(t);
  auto k = auth_->create_key(t->id, "w", storage::Role::Writer);
  ASSERT_TRUE(k);
  // The revocation lands between the store lookup (key still active) and
  // the cache fill of this authentication.
  bool revoked = false;
  auth_->set_after_lookup_hook([&] {
    if (revoked) return;
    revoked = true;
    ASSERT_TRUE(auth_->revoke_key(t->id, k->key.id));
  });
  auto racing = auth_->authenticate(k->secret);
  ASSERT_TRUE(revoked);
  ASSERT_TRUE(racing);  // that request was already in flight
  auth_->set_after_lookup_hook({});
  auto after = auth_->authenticate(k->secret);
  ASSERT_FALSE(after) << "a revoked key was served from the cache";
  EXPECT_EQ(after.error().kind(), ErrorKind::Authentication);
}

TEST_F(AuthServiceTest, ACachedAuthenticationLivesItsTtlOfTheServicesClock) {
  ManualClock clock;
  AuthService auth(stores().tenants, std::chrono::seconds(5), clock);
  auto t = auth.create_tenant("acme");
  ASSERT_TRUE(t);
  auto k = auth.create_key(t->id, "r", storage::Role::Reader);
  ASSERT_TRUE(k);
  int lookups = 0;
  auth.set_after_lookup_hook([&] { ++lookups; });
  ASSERT_TRUE(auth.authenticate(k->secret));
  ASSERT_TRUE(auth.authenticate(k->secret));
  EXPECT_EQ(lookups, 1);
  clock.advance(std::chrono::milliseconds(4999));
  ASSERT_TRUE(auth.authenticate(k->secret));
  EXPECT_EQ(lookups, 1);
  clock.advance(std::chrono::milliseconds(1));
  ASSERT_TRUE(auth.authenticate(k->secret));
  EXPECT_EQ(lookups, 2);
}

TEST_F(AuthServiceTest, WhileTheStoreIsGoneExpiredAuthenticationsServeTheirGraceOnly) {
  ManualClock clock;
  AuthService auth(stores().tenants, std::chrono::seconds(5), clock);
  auth.set_stale_grace(std::chrono::minutes(10));
  auto t = auth.create_tenant("acme");
  auto kept = auth.create_key(t->id, "kept", storage::Role::Reader);
  auto revoked = auth.create_key(t->id, "revoked", storage::Role::Reader);
  auto unknown = auth.create_key(t->id, "never-used", storage::Role::Reader);
  ASSERT_TRUE(kept && revoked && unknown);
  ASSERT_TRUE(auth.authenticate(kept->secret));
  ASSERT_TRUE(auth.authenticate(revoked->secret));
  ASSERT_TRUE(auth.revoke_key(t->id, revoked->key.id));
  stores().ops.close();  // every lookup now fails with DatabaseError
  clock.advance(std::chrono::minutes(9));
  auto ok = auth.authenticate(kept->secret);
  ASSERT_TRUE(ok) << ok.error().message();
  EXPECT_EQ(ok->api_key_id, kept->key.id);
  for (const auto* k : {&*revoked, &*unknown}) {  // evicted, or never cached: the store's error
    auto r = auth.authenticate(k->secret);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind(), ErrorKind::Database);
  }
  clock.advance(std::chrono::minutes(2));  // 5 s + 10 min after the lookup: past the grace
  auto late = auth.authenticate(kept->secret);
  ASSERT_FALSE(late);
  EXPECT_EQ(late.error().kind(), ErrorKind::Database);
}

TEST_F(AuthServiceTest, CachedKeysAreEvictedOnRevocation) {
  auto t = auth_->create_tenant("acme");
  auto k = auth_->create_key(t->id, "r", storage::Role::Reader);
  ASSERT_TRUE(auth_->authenticate(k->secret));
  ASSERT_TRUE(auth_->authenticate(k->secret));  // cached now
  ASSERT_TRUE(auth_->revoke_key(t->id, k->key.id));
  EXPECT_FALSE(auth_->authenticate(k->secret));
}

TEST_F(AuthServiceTest, TheLastPlatformAdminKeyCannotBeRevoked) {
  const std::string sys = auth_->system_tenant_id();
  auto keys = auth_->list_keys(sys);
  ASSERT_TRUE(keys);
  ASSERT_EQ(keys->size(), 1u);
  const std::string first = keys->front().id;
  auto refused = auth_->revoke_key(sys, first);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().kind(), ErrorKind::Conflict);
  EXPECT_TRUE(auth_->authenticate(platform_secret_));
  // A reader key of the system tenant does not count as a platform admin.
  auto reader = auth_->create_key(sys, "ro", storage::Role::Reader);
  ASSERT_TRUE(reader);
  EXPECT_FALSE(auth_->revoke_key(sys, first));
  auto second = auth_->create_key(sys, "admin2", storage::Role::Admin);
  ASSERT_TRUE(second);
  EXPECT_TRUE(auth_->revoke_key(sys, first));
  EXPECT_FALSE(auth_->revoke_key(sys, second->key.id));
  // Other tenants' admin keys are not limited: a tenant may revoke them all.
  auto t = auth_->create_tenant("acme");
  auto only = auth_->create_key(t->id, "a", storage::Role::Admin);
  EXPECT_TRUE(auth_->revoke_key(t->id, only->key.id));
}

TEST_F(AuthServiceTest, BootstrapRunsAgainOnlyWhenNoPlatformAdminKeyIsActive) {
  auto again = auth_->bootstrap(std::nullopt);
  ASSERT_TRUE(again);
  EXPECT_FALSE(*again);  // an active platform key exists: nothing minted
  // Recovery (docs/security.md): platform keys revoked offline, in the store.
  auto keys = auth_->list_keys(auth_->system_tenant_id());
  for (const auto& k : *keys) ASSERT_TRUE(stores().tenants.revoke_api_key(auth_->system_tenant_id(), k.id));
  AuthService restarted(stores().tenants);
  auto fresh = restarted.bootstrap(std::nullopt);
  ASSERT_TRUE(fresh);
  ASSERT_TRUE(*fresh);
  auto c = restarted.authenticate(**fresh);
  ASSERT_TRUE(c);
  EXPECT_TRUE(c->platform_admin);
  EXPECT_FALSE(restarted.authenticate(platform_secret_));
}

}  // namespace
}  // namespace vault::domain
