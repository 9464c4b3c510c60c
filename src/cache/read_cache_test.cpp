// The read cache against the Redis of the test services: the version rules
// (older copies refused, tombstones hiding what they cover, drops), expiry,
// and the read-through stores over a SQLite store that is then closed (every
// call after close() fails as a Database error, as a store that went away):
// reads are answered from the copies, marked stale, and only where a copy
// is still right.
#include "vault/cache/read_cache.hpp"

#include "cache/cache_test_support.hpp"
#include "support/temp_dir.hpp"
#include "support/test_services.hpp"
#include "vault/cache/read_through_stores.hpp"
#include "vault/core/stale_reads.hpp"
#include "vault/storage/factory.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <atomic>
#include <thread>

namespace vault::cache {
namespace {

resilience::DependencyGuardOptions cache_guard_options() {
  return testing_support::cache_guard_options(std::chrono::milliseconds(300));
}

std::string fresh_prefix() { return testing_support::fresh_name("rc") + ":"; }

class ReadCacheTest : public ::testing::Test {
 protected:
  ReadCacheTest()
      : redis_(std::move(*RedisClient::open(testing::redis_url()))), guard_(cache_guard_options(), nullptr) {}
  std::unique_ptr<ReadCache> make(std::chrono::milliseconds ttl = std::chrono::minutes(1)) {
    ReadCacheOptions o;
    o.ttl = ttl;
    o.key_prefix = fresh_prefix();
    return std::make_unique<ReadCache>(*redis_, guard_, o, obs::Logger("test"));
  }
  std::unique_ptr<RedisClient> redis_;
  resilience::DependencyGuard guard_;
};

TEST_F(ReadCacheTest, KeepsTheNewestVersionAndRefusesOlderCopies) {
  auto cache = make();
  const std::string k = cache->prefix() + "a";
  EXPECT_FALSE(cache->recall(k));
  cache->remember(k, 5, "five");
  cache->flush();
  auto got = cache->recall(k);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->value, "five");
  EXPECT_EQ(got->version, 5);
  EXPECT_EQ(got->age.count(), 0);
  // A late copy of an older version (another replica read it before the
  // change) is refused by Redis; a newer one replaces it.
  cache->remember(k, 4, "four");
  cache->flush();
  EXPECT_EQ(cache->recall(k)->value, "five");
  cache->remember(k, 7, std::string("se\0ven|V", 8));  // binary-safe, separators inside
  cache->flush();
  EXPECT_EQ(cache->recall(k)->value, std::string("se\0ven|V", 8));
  EXPECT_GE(cache->stats().refused, 1u);
}

TEST_F(ReadCacheTest, ATombstoneHidesItsVersionAndOlderButNotNewer) {
  auto cache = make();
  const std::string k = cache->prefix() + "b";
  cache->remember(k, 3, "three");
  cache->flush();
  cache->forget(k, 3);
  cache->flush();
  EXPECT_FALSE(cache->recall(k));
  cache->remember(k, 3, "three again");  // a late copy of what the tombstone hides
  cache->flush();
  EXPECT_FALSE(cache->recall(k));
  cache->remember(k, 4, "four");
  cache->flush();
  ASSERT_TRUE(cache->recall(k));
  EXPECT_EQ(cache->recall(k)->value, "four");
}

TEST_F(ReadCacheTest, QueuedWritesOfOneKeyMergeByTheSameRule) {
  auto cache = make();
  const std::string k = cache->prefix() + "c";
  // Queued back to back (the writer may not have run in between): the
  // tombstone must not be lost to the older copy queued after it.
  for (int i = 0; i < 50; ++i) {
    cache->forget(k, 10);
    cache->remember(k, 9, "nine");
  }
  cache->flush();
  EXPECT_FALSE(cache->recall(k));
}

TEST_F(ReadCacheTest, ADropRemovesTheCopyWithoutATombstone) {
  auto cache = make();
  const std::string k = cache->prefix() + "d";
  cache->remember(k, 2, "sealed under the old key");
  cache->flush();
  cache->drop(k, 2);
  cache->flush();
  EXPECT_FALSE(cache->recall(k));
  EXPECT_TRUE(cache->needs(k, 2));  // the same version may be cached again (rewritten payload)
  cache->remember(k, 2, "sealed under the new key");
  cache->flush();
  EXPECT_EQ(cache->recall(k)->value, "sealed under the new key");
}

TEST_F(ReadCacheTest, NeedsSkipsWhatThisReplicaJustWrote) {
  auto cache = make();
  const std::string k = cache->prefix() + "e";
  EXPECT_TRUE(cache->needs(k, 1));
  cache->remember(k, 1, "one");
  EXPECT_FALSE(cache->needs(k, 1));  // queued
  cache->flush();
  EXPECT_FALSE(cache->needs(k, 1));  // written
  EXPECT_TRUE(cache->needs(k, 2));
  EXPECT_FALSE(cache->needs(k, 2, std::chrono::seconds(60)));  // changed, but refreshed too recently
}

TEST_F(ReadCacheTest, CopiesExpireAfterTheirTtl) {
  auto cache = make(std::chrono::milliseconds(300));
  const std::string k = cache->prefix() + "f";
  cache->remember(k, 1, "one");
  cache->flush();
  ASSERT_TRUE(cache->recall(k));
  std::this_thread::sleep_for(std::chrono::milliseconds(600));
  EXPECT_FALSE(cache->recall(k));
}

TEST(ReadCacheUnreachable, RecallMissesAndWritesAreDroppedQuickly) {
  // Nothing listens on port 1: every call fails at once.
  auto redis = RedisClient::open("redis://127.0.0.1:1");
  ASSERT_TRUE(redis);
  resilience::DependencyGuard guard(cache_guard_options(), nullptr);
  ReadCache cache(**redis, guard, ReadCacheOptions{}, obs::Logger("test"));
  const auto t0 = std::chrono::steady_clock::now();
  cache.remember("k", 1, "v");
  cache.flush();
  EXPECT_FALSE(cache.recall("k"));
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(3));
  EXPECT_EQ(cache.stats().dropped, 1u);
  EXPECT_EQ(cache.stats().missed, 1u);
}

// ---- the read-through stores

class ReadThroughTest : public ReadCacheTest {
 protected:
  void SetUp() override {
    auto s = storage::open_metadata_store("sqlite://" + (dir_.path() / "meta.db").string());
    ASSERT_TRUE(s) << s.error().message();
    backend_ = std::move(*s);
    cache_ = make();
    datasets_ = std::make_unique<ReadThroughDatasetStore>(backend_->stores().datasets, *cache_);
    records_ = std::make_unique<ReadThroughRecordStore>(backend_->stores().records, *cache_);
    storage::Tenant t{"tn_readcache", "readcache", "active", 1};
    ASSERT_TRUE(backend_->stores().tenants.create_tenant(t));
    storage::Dataset d;
    d.id = "ds_readcache";
    d.tenant_id = t.id;
    d.name = "cached";
    d.tags = {"a", "b"};
    auto created = datasets_->create_dataset(d);
    ASSERT_TRUE(created) << created.error().message();
  }
  void write(storage::RecordWrite::Op op, const std::string& id, std::string payload = {}) {
    std::vector<storage::RecordWrite> w;
    w.emplace_back(op, id, std::move(payload));
    auto r = records_->write_records("tn_readcache", "ds_readcache", std::move(w));
    ASSERT_TRUE(r) << r.error().message();
  }
  void store_goes_away() {
    cache_->flush();
    backend_->stores().ops.close();
  }

  testing::TempDir dir_;
  std::unique_ptr<storage::MetadataBackend> backend_;
  std::unique_ptr<ReadCache> cache_;
  std::unique_ptr<ReadThroughDatasetStore> datasets_;
  std::unique_ptr<ReadThroughRecordStore> records_;
};

TEST_F(ReadThroughTest, ReadsGoOnFromTheCopiesWhenTheStoreIsGoneAndAreMarkedStale) {
  using Op = storage::RecordWrite::Op;
  write(Op::Insert, "read", std::string("\x01sealed\0bytes", 13));
  write(Op::Insert, "never-read", "x");
  write(Op::Insert, "replaced", "old");
  write(Op::Insert, "deleted", "gone");
  for (const char* id : {"read", "replaced", "deleted"})
    ASSERT_TRUE(records_->get_record("tn_readcache", "ds_readcache", id));
  write(Op::Replace, "replaced", "new");  // the old copy is hidden, the new one not read yet
  write(Op::Delete, "deleted");
  ASSERT_TRUE(datasets_->get_dataset("tn_readcache", "ds_readcache"));
  store_goes_away();

  stale_reads::reset();
  auto d = datasets_->get_dataset("tn_readcache", "ds_readcache");
  ASSERT_TRUE(d) << d.error().message();
  EXPECT_EQ(d->name, "cached");
  EXPECT_EQ(d->tags, (std::vector<std::string>{"a", "b"}));
  // Its counters may lag the store's (a read refreshes a copy at most once a
  // second, and the create wrote it just now).
  EXPECT_LE(d->record_count, 3);
  ASSERT_TRUE(stale_reads::oldest());

  auto r = records_->get_record("tn_readcache", "ds_readcache", "read");
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->payload, std::string("\x01sealed\0bytes", 13));
  EXPECT_EQ(r->revision, 1);

  for (const char* id : {"never-read", "replaced", "deleted"}) {
    auto miss = records_->get_record("tn_readcache", "ds_readcache", id);
    ASSERT_FALSE(miss) << id;
    EXPECT_EQ(miss.error().kind(), ErrorKind::Database) << id;  // the store's own error
  }
  // Another tenant's key names no copy; snapshots and lists need the store.
  EXPECT_FALSE(datasets_->get_dataset("tn_other", "ds_readcache"));
  EXPECT_FALSE(records_->get_record("tn_readcache", "ds_readcache", "read", 1));
  EXPECT_FALSE(records_->list_records("tn_readcache", "ds_readcache", std::nullopt, std::nullopt, 10));
}

TEST_F(ReadThroughTest, TheStoreAnswersWhileItCanAndCopiesFollowIt) {
  using Op = storage::RecordWrite::Op;
  write(Op::Insert, "r", "v1");
  ASSERT_TRUE(records_->get_record("tn_readcache", "ds_readcache", "r"));
  write(Op::Replace, "r", "v2");
  stale_reads::reset();
  auto fresh = records_->get_record("tn_readcache", "ds_readcache", "r");
  ASSERT_TRUE(fresh);
  EXPECT_EQ(fresh->payload, "v2");
  EXPECT_FALSE(stale_reads::oldest());  // from the store
  storage::DatasetPatch p;
  p.description = "changed";
  ASSERT_TRUE(datasets_->update_dataset("tn_readcache", "ds_readcache", p, std::nullopt));
  store_goes_away();
  auto r = records_->get_record("tn_readcache", "ds_readcache", "r");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->payload, "v2");
  EXPECT_EQ(r->revision, 2);
  auto d = datasets_->get_dataset("tn_readcache", "ds_readcache");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->description, "changed");  // written through by the update
}

TEST_F(ReadThroughTest, ADeletedDatasetIsNeverAnsweredFromItsCopy) {
  ASSERT_TRUE(datasets_->get_dataset("tn_readcache", "ds_readcache"));
  ASSERT_TRUE(datasets_->delete_dataset("tn_readcache", "ds_readcache"));
  store_goes_away();
  auto d = datasets_->get_dataset("tn_readcache", "ds_readcache");
  ASSERT_FALSE(d);
  EXPECT_EQ(d.error().kind(), ErrorKind::Database);
}

}  // namespace
}  // namespace vault::cache
