// What is the PostgreSQL backend's own, beyond the shared conformance suites
// (store_conformance_test.cpp): the same random record histories give the
// same results as SQLite, concurrent writers on one dataset through the pool,
// reconnection after a server restart, unreachable servers.
#include "storage/pg_stores.hpp"
#include "storage/sqlite_stores.hpp"
#include "support/test_services.hpp"
#include "support/temp_dir.hpp"
#include "vault/storage/factory.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <random>
#include <thread>

namespace vault::storage {
namespace {

using Op = RecordWrite::Op;

std::unique_ptr<MetadataBackend> pg_backend(const MetadataStoreOptions& o = {}) {
  auto b = open_metadata_store(testing::fresh_pg_schema_url(), o);
  EXPECT_TRUE(b) << b.error().message();
  return b ? std::move(*b) : nullptr;
}

void seed(const Stores& s, const std::string& dataset = "ds1") {
  (void)s.tenants.create_tenant(Tenant{"t1", "one", "active", 1});
  Dataset d;
  d.id = dataset;
  d.tenant_id = "t1";
  d.name = "name-" + dataset;
  ASSERT_TRUE(s.datasets.create_dataset(d));
}

std::string describe(const Result<std::vector<RecordWriteResult>>& r) {
  if (!r) return "error " + std::to_string(static_cast<int>(r.error().kind())) + " " + r.error().message();
  std::string out;
  for (const auto& w : *r)
    out += w.id + ":" + std::to_string(w.revision) + "@" + std::to_string(w.seq) + (w.created ? "+" : "") + " ";
  return out;
}

std::string describe(const Result<RecordPage>& r) {
  if (!r) return "error " + std::to_string(static_cast<int>(r.error().kind()));
  std::string out;
  for (const auto& x : r->items)
    out += x.id + ":" + std::to_string(x.revision) + "@" + std::to_string(x.seq) + "/" + std::to_string(x.created_seq) +
           "=" + x.payload + (x.quarantined ? "q" : "") + " ";
  if (r->next_after) out += "next=" + std::to_string(*r->next_after);
  return out;
}

// Random batches over a few ids (every op, stale and fresh expected
// revisions, ids repeated inside a batch, quarantined revisions), applied to
// SQLite and to PostgreSQL: every batch result, every list as of every seq,
// and the dataset counters must be identical.
TEST(PgStores, RandomHistoriesMatchSqlite) {
  testing::TempDir dir;
  auto sq = open_metadata_store("sqlite://" + (dir.path() / "meta.db").string());
  ASSERT_TRUE(sq) << sq.error().message();
  auto pgb = pg_backend();
  ASSERT_TRUE(pgb);
  const Stores& a = (*sq)->stores();
  const Stores& b = pgb->stores();
  seed(a);
  seed(b);
  std::mt19937 rng(20261207);
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
  int ok = 0, failed = 0;
  for (int batch = 0; batch < 120; ++batch) {
    std::vector<RecordWrite> writes;
    const int n = 1 + pick(6);
    for (int i = 0; i < n; ++i) {
      RecordWrite w(static_cast<Op>(pick(4)), "r" + std::to_string(pick(5)), "p" + std::to_string(rng() % 1000));
      if (pick(3) == 0) w.expected_revision = 1 + pick(4);
      w.quarantined = pick(5) == 0;
      writes.push_back(w);
    }
    const auto ra = a.records.write_records("t1", "ds1", writes);
    const auto rb = b.records.write_records("t1", "ds1", writes);
    ASSERT_EQ(describe(ra), describe(rb)) << "batch " << batch;
    (ra ? ok : failed)++;
  }
  EXPECT_GT(ok, 20);  // the histories exercise both outcomes
  EXPECT_GT(failed, 20);
  auto da = a.datasets.get_dataset("t1", "ds1");
  auto db = b.datasets.get_dataset("t1", "ds1");
  ASSERT_TRUE(da && db);
  EXPECT_EQ(da->seq, db->seq);
  EXPECT_EQ(da->record_count, db->record_count);
  EXPECT_EQ(da->record_bytes, db->record_bytes);
  for (Seq s = 0; s <= da->seq; ++s)
    for (auto f : {RecordFilter::Visible, RecordFilter::Quarantined, RecordFilter::All})
      ASSERT_EQ(describe(a.records.list_records("t1", "ds1", s, std::nullopt, 3, f)),
                describe(b.records.list_records("t1", "ds1", s, std::nullopt, 3, f)))
          << "as of " << s;
  EXPECT_EQ(describe(a.records.list_record_revisions("t1", "ds1", 0, 1000)),
            describe(b.records.list_record_revisions("t1", "ds1", 0, 1000)));
  for (int id = 0; id < 5; ++id) {
    const std::string rid = "r" + std::to_string(id);
    EXPECT_EQ(*a.records.last_revision("t1", "ds1", rid), *b.records.last_revision("t1", "ds1", rid));
  }
}

// Writers on several connections at once append to one dataset: the dataset
// row lock serializes them, so seq and the counters account for every write.
TEST(PgStores, ConcurrentWritersOnOneDatasetKeepCountersExact) {
  auto be = pg_backend(MetadataStoreOptions{8});
  ASSERT_TRUE(be);
  const Stores& s = be->stores();
  seed(s);
  constexpr int kThreads = 6, kBatches = 20, kPerBatch = 5;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      for (int b = 0; b < kBatches; ++b) {
        std::vector<RecordWrite> writes;
        for (int i = 0; i < kPerBatch; ++i)
          writes.emplace_back(Op::Insert, "t" + std::to_string(t) + "-" + std::to_string(b * kPerBatch + i), "xy");
        if (!s.records.write_records("t1", "ds1", writes)) ++failures;
      }
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  auto d = s.datasets.get_dataset("t1", "ds1");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->seq, kThreads * kBatches * kPerBatch);
  EXPECT_EQ(d->record_count, kThreads * kBatches * kPerBatch);
  EXPECT_EQ(d->record_bytes, 2 * kThreads * kBatches * kPerBatch);
  auto all = s.records.list_records("t1", "ds1", std::nullopt, std::nullopt, 10000);
  ASSERT_TRUE(all);
  EXPECT_EQ(all->items.size(), static_cast<std::size_t>(kThreads * kBatches * kPerBatch));
}

// Combined writes and group commit: calls that fail (a duplicate id after a
// new one) share rounds with calls that succeed; each gets its own answer and
// only the failed calls are undone, entirely.
TEST(PgStores, FailedWritesInAGroupAreUndoneAlone) {
  auto be = pg_backend(MetadataStoreOptions{8});
  ASSERT_TRUE(be);
  const Stores& s = be->stores();
  seed(s);
  ASSERT_TRUE(s.records.write_records("t1", "ds1", {RecordWrite(Op::Insert, "taken", "x")}));
  constexpr int kThreads = 8, kWrites = 40;
  std::atomic<int> ok{0}, conflicts{0}, other{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < kWrites; ++i) {
        const bool dup = i % 2 == 1;
        const std::string id = "w" + std::to_string(t) + "-" + std::to_string(i);
        // A failing call writes a new id first: it must vanish with the call.
        auto r = dup ? s.records.write_records("t1", "ds1", {RecordWrite(Op::Insert, id, "zz"),
                                                            RecordWrite(Op::Insert, "taken", "zz")})
                     : s.records.write_records("t1", "ds1", {RecordWrite(Op::Insert, id, "yy")});
        if (r) ++ok;
        else if (r.error().kind() == ErrorKind::Conflict) ++conflicts;
        else ++other;
      }
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(ok.load(), kThreads * kWrites / 2);
  EXPECT_EQ(conflicts.load(), kThreads * kWrites / 2);
  EXPECT_EQ(other.load(), 0);
  auto d = s.datasets.get_dataset("t1", "ds1");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->record_count, 1 + kThreads * kWrites / 2);
  EXPECT_EQ(d->seq, 1 + kThreads * kWrites / 2);  // a refused write takes no seq
  EXPECT_EQ(d->record_bytes, 1 + 2 * kThreads * kWrites / 2);
  for (int t = 0; t < kThreads; ++t)
    for (int i = 1; i < kWrites; i += 2) {
      auto g = s.records.get_record("t1", "ds1", "w" + std::to_string(t) + "-" + std::to_string(i));
      ASSERT_FALSE(g);
      EXPECT_EQ(g.error().kind(), ErrorKind::RecordNotFound);
    }
}

TEST(PgStores, UnreachableServerIsADatabaseErrorWithinTheConnectTimeout) {
  const auto t0 = std::chrono::steady_clock::now();
  // Port 1 on loopback: nothing listens, the connection is refused at once.
  auto b = open_metadata_store("postgresql://vault@127.0.0.1:1/postgres",
                               MetadataStoreOptions{4, std::chrono::milliseconds(2000)});
  ASSERT_FALSE(b);
  EXPECT_EQ(b.error().kind(), ErrorKind::Database);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(3));
  EXPECT_EQ(b.error().message().find("password"), std::string::npos);
}

// A server restart closes every pooled connection; the next call notices,
// drops the stale connections and runs on a fresh one: no call fails once
// the server is back.
TEST(PgStores, ReconnectsAfterAServerRestart) {
  testing::TempDir dir;
  const std::string state = (dir.path() / "pg").string();
  const std::string scripts = std::string(VAULT_SOURCE_DIR) + "/scripts/services/";
  ASSERT_EQ(std::system(("PG_FSYNC=off " + scripts + "pg_start.sh " + state + " >/dev/null").c_str()), 0);
  std::ifstream in(state + "/url");
  std::string url;
  std::getline(in, url);
  {
    auto be = open_metadata_store(url, MetadataStoreOptions{4});
    ASSERT_TRUE(be) << be.error().message();
    const Stores& s = (*be)->stores();
    seed(s);
    // Several connections in the pool.
    std::vector<std::thread> readers;
    for (int i = 0; i < 4; ++i) readers.emplace_back([&] { EXPECT_TRUE(s.datasets.get_dataset("t1", "ds1")); });
    for (auto& r : readers) r.join();

    const std::string restart = "d=$(cat " + state + "/data); bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1); " +
                                "run=; [ \"$(id -u)\" -eq 0 ] && run='runuser -u postgres --'; " +
                                "$run $bin/pg_ctl -D $d/db -m fast -w restart >/dev/null";
    ASSERT_EQ(std::system(restart.c_str()), 0);
    for (int i = 0; i < 6; ++i) {
      auto d = s.datasets.get_dataset("t1", "ds1");
      EXPECT_TRUE(d) << i << ": " << d.error().message();
    }
    EXPECT_TRUE(s.records.write_records("t1", "ds1", {RecordWrite(Op::Insert, "after", "x")}));
    EXPECT_TRUE(s.ops.ping());
  }
  EXPECT_EQ(std::system((scripts + "pg_stop.sh " + state).c_str()), 0);
}

}  // namespace
}  // namespace vault::storage
