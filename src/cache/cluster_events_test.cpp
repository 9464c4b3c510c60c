// ClusterEvents between two "replicas" in one process (each its own
// KeyEvents and AuthService over one shared store), through a real Redis:
// events cross once and are not echoed, revocations reach the other
// replica's auth cache at once, and a subscription that was cut (Redis
// stopped with SIGSTOP) forgets every cache when it is live again.
#include "vault/cache/cluster_events.hpp"

#include "support/temp_dir.hpp"
#include "cache/cache_test_support.hpp"
#include "support/test_services.hpp"
#include "vault/storage/factory.hpp"

#include <gtest/gtest.h>

#include <signal.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <functional>
#include <thread>

namespace vault::cache {
namespace {

resilience::DependencyGuardOptions cache_guard_options() {
  return testing_support::cache_guard_options(std::chrono::milliseconds(300), std::chrono::milliseconds(200));
}

bool eventually(const std::function<bool()>& cond, std::chrono::milliseconds within = std::chrono::seconds(10)) {
  const auto until = std::chrono::steady_clock::now() + within;
  while (std::chrono::steady_clock::now() < until) {
    if (cond()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return cond();
}

std::string fresh_channel() { return testing_support::fresh_name("events"); }

/// One replica: its own caches and event bus, the shared store and Redis.
struct Replica {
  Replica(storage::TenantStore& tenants, const std::string& redis_url, const std::string& channel)
      : redis(std::move(*RedisClient::open(redis_url, RedisOptions{std::chrono::milliseconds(300),
                                                                   std::chrono::milliseconds(300), 8}))),
        guard(cache_guard_options(), nullptr),
        auth(tenants, std::chrono::hours(1)),  // a stale entry would live for the whole test
        dataset_sub(events.on_dataset_keys_changed([this](const std::string& t, const std::string& d) {
          std::lock_guard lk(mu);
          datasets.push_back(t + "/" + d);
        })),
        all_sub(events.on_all_keys_changed([this] { ++all_changed; })),
        cluster(std::make_unique<ClusterEvents>(
            *redis, guard, events, auth, obs::Logger("test"),
            ClusterEventsOptions{channel, std::chrono::milliseconds(200), 1000})) {}
  ~Replica() { cluster.reset(); }
  std::vector<std::string> seen() {
    std::lock_guard lk(mu);
    return datasets;
  }

  std::unique_ptr<RedisClient> redis;
  resilience::DependencyGuard guard;
  domain::KeyEvents events;
  domain::AuthService auth;
  std::mutex mu;
  std::vector<std::string> datasets;
  std::atomic<int> all_changed{0};
  domain::KeyEvents::Subscription dataset_sub;
  domain::KeyEvents::Subscription all_sub;
  std::unique_ptr<ClusterEvents> cluster;
};

class ClusterEventsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto dir = vault::testing::process_temp_dir().fresh("cluster");
    std::filesystem::create_directories(dir);
    auto s = storage::open_metadata_store("sqlite://" + (dir / "meta.db").string());
    ASSERT_TRUE(s) << s.error().message();
    backend_ = std::move(*s);
  }
  void TearDown() override {
    if (backend_) backend_->stores().ops.close();
  }
  void start(const std::string& redis_url) {
    const auto channel = fresh_channel();
    a_ = std::make_unique<Replica>(backend_->stores().tenants, redis_url, channel);
    b_ = std::make_unique<Replica>(backend_->stores().tenants, redis_url, channel);
    ASSERT_TRUE(eventually([&] { return a_->cluster->subscribed() && b_->cluster->subscribed(); }));
  }
  std::unique_ptr<storage::MetadataBackend> backend_;
  std::unique_ptr<Replica> a_, b_;
};

TEST_F(ClusterEventsTest, KeyEventCrossesOnceAndIsNotEchoed) {
  start(vault::testing::redis_url());
  a_->events.dataset_keys_changed("t1", "d1");
  ASSERT_TRUE(eventually([&] { return b_->seen().size() == 1; }));
  EXPECT_EQ(b_->seen()[0], "t1/d1");
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(a_->seen().size(), 1u);  // its own, not an echo from b
  EXPECT_EQ(b_->seen().size(), 1u);
  EXPECT_EQ(a_->cluster->received(), 0u);
  EXPECT_EQ(b_->cluster->received(), 1u);
}

TEST_F(ClusterEventsTest, SubscribingForgetsEveryCache) {
  start(vault::testing::redis_url());
  EXPECT_GE(a_->all_changed.load(), 1);
  EXPECT_GE(b_->all_changed.load(), 1);
  EXPECT_EQ(b_->cluster->subscriptions(), 1u);
}

TEST_F(ClusterEventsTest, RevocationOnOneReplicaReachesTheOthersAuthCacheAtOnce) {
  start(vault::testing::redis_url());
  auto tenant = a_->auth.create_tenant("acme");
  ASSERT_TRUE(tenant);
  auto key = a_->auth.create_key(tenant->id, "k", storage::Role::Writer);
  ASSERT_TRUE(key);
  ASSERT_TRUE(a_->auth.authenticate(key->secret));
  ASSERT_TRUE(b_->auth.authenticate(key->secret));  // now cached in b for an hour
  ASSERT_TRUE(a_->auth.revoke_key(tenant->id, key->key.id));
  EXPECT_TRUE(eventually([&] { return !b_->auth.authenticate(key->secret); }, std::chrono::seconds(3)));
}

/// A Redis of this test alone (it is stopped and resumed).
struct PrivateRedis {
  PrivateRedis() : state((vault::testing::process_temp_dir().fresh("redis")).string()) {
    if (std::system((scripts + "redis_start.sh " + state + " >/dev/null").c_str()) != 0)
      throw std::runtime_error("cannot start redis");
    std::string p;
    std::getline(std::ifstream(state + "/url"), url);
    std::getline(std::ifstream(state + "/pid"), p);
    pid = std::stoi(p);
  }
  ~PrivateRedis() { (void)std::system((scripts + "redis_stop.sh " + state).c_str()); }  // also resumes it
  const std::string scripts = std::string(VAULT_SOURCE_DIR) + "/scripts/services/";
  std::string state, url;
  int pid = 0;
};

// Redis stopped with SIGSTOP while a key changes: the subscription is seen
// dead by its heartbeat, the event stays queued at its publisher; after
// SIGCONT it is published, and the receiver, subscribed again, has
// forgotten everything it cached meanwhile (so it cannot miss the change,
// whichever of the two reaches Redis first).
TEST_F(ClusterEventsTest, StoppedRedisIsDetectedAndRecoveredWithoutLosingTheChange) {
  PrivateRedis redis;
  start(redis.url);
  const int before = b_->all_changed.load();
  ASSERT_EQ(::kill(redis.pid, SIGSTOP), 0);
  EXPECT_TRUE(eventually([&] { return !b_->cluster->subscribed(); }, std::chrono::seconds(5)));
  a_->events.dataset_keys_changed("t9", "d9");  // cannot be published now
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  EXPECT_TRUE(b_->seen().empty());
  EXPECT_EQ(a_->cluster->published(), 0u);
  EXPECT_NE(a_->cluster->describe().find("1 to publish"), std::string::npos) << a_->cluster->describe();
  ASSERT_EQ(::kill(redis.pid, SIGCONT), 0);
  EXPECT_TRUE(eventually([&] { return b_->cluster->subscribed() && b_->all_changed.load() > before; }));
  EXPECT_TRUE(eventually([&] { return a_->cluster->published() == 1; }));
  a_.reset();
  b_.reset();
}

}  // namespace
}  // namespace vault::cache
