#include "vault/crypto/dek_cache.hpp"

#include "vault/core/clock.hpp"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace vault::crypto {
namespace {

using namespace std::chrono_literals;

std::shared_ptr<const DataKey> key(std::uint32_t v) {
  return std::make_shared<DataKey>(DataKey{"ds", v, SecureBytes::random(32)});
}

TEST(DekCache, GetReturnsWhatWasPutPerTenantDatasetVersion) {
  DekCache c;
  auto k1 = key(1);
  c.put("t1", "ds", k1);
  EXPECT_EQ(c.get("t1", "ds", 1), k1);
  EXPECT_EQ(c.get("t1", "ds", 2), nullptr);
  EXPECT_EQ(c.get("t2", "ds", 1), nullptr);
  EXPECT_EQ(c.get("t1", "other", 1), nullptr);
}

TEST(DekCache, EntriesExpireAfterTtlFromPut) {
  ManualClock clock;
  DekCache c({.max_entries = 10, .ttl = 1000ms}, clock);
  c.put("t", "ds", key(1));
  clock.advance(999ms);
  EXPECT_NE(c.get("t", "ds", 1), nullptr);  // access does not extend the TTL
  clock.advance(1ms);
  EXPECT_EQ(c.get("t", "ds", 1), nullptr);
  EXPECT_EQ(c.size(), 0u);
}

TEST(DekCache, LeastRecentlyUsedIsEvictedAndItsKeyReleased) {
  DekCache c({.max_entries = 2, .ttl = 1h});
  std::weak_ptr<const DataKey> w1;
  {
    auto k1 = key(1);
    w1 = k1;
    c.put("t", "ds", std::move(k1));
  }
  c.put("t", "ds", key(2));
  ASSERT_NE(c.get("t", "ds", 1), nullptr);  // 1 is now the most recent
  c.put("t", "ds", key(3));                 // evicts 2
  EXPECT_EQ(c.get("t", "ds", 2), nullptr);
  EXPECT_NE(c.get("t", "ds", 1), nullptr);
  c.put("t", "ds", key(4));  // evicts 3
  c.put("t", "ds", key(5));  // evicts 1
  EXPECT_EQ(c.size(), 2u);
  EXPECT_TRUE(w1.expired());  // the cache held the last reference: key destroyed (wiped)
}

TEST(DekCache, EraseDatasetAndTenant) {
  DekCache c;
  c.put("t1", "a", key(1));
  c.put("t1", "b", key(1));
  c.put("t2", "a", key(1));
  c.erase_dataset("t1", "a");
  EXPECT_EQ(c.get("t1", "a", 1), nullptr);
  EXPECT_NE(c.get("t1", "b", 1), nullptr);
  c.erase_tenant("t1");
  EXPECT_EQ(c.get("t1", "b", 1), nullptr);
  EXPECT_NE(c.get("t2", "a", 1), nullptr);
  c.clear();
  EXPECT_EQ(c.size(), 0u);
}

TEST(DekCache, ConcurrentUseStaysBounded) {
  DekCache c({.max_entries = 8, .ttl = 1h});
  std::vector<std::thread> ts;
  for (int t = 0; t < 4; ++t)
    ts.emplace_back([&, t] {
      for (std::uint32_t i = 0; i < 500; ++i) {
        c.put("t" + std::to_string(t), "ds", key(i % 20));
        (void)c.get("t" + std::to_string((t + 1) % 4), "ds", i % 20);
      }
    });
  for (auto& t : ts) t.join();
  EXPECT_LE(c.size(), 8u);
}

}  // namespace
}  // namespace vault::crypto
