#pragma once
/// Conformance suite of RecordStore: MVCC revisions, all-or-nothing batches, as-of reads, the
/// dataset counters write_records advances, payload rewrites (record_store.hpp).
/// Fixture, helpers and how to instantiate: store_conformance.hpp.
#include "conformance/store_conformance.hpp"

namespace vault::storage::conformance {

class RecordStoreConformance : public StoreConformance {};

TEST_P(RecordStoreConformance, ArchivedDatasetRefusesWritesButServesReads) {
  tenant("t1");
  dataset("t1", "ds1", "n");
  ok_write("ds1", {w(Op::Insert, "r1", "a")});
  ASSERT_TRUE(s().datasets.update_dataset("t1", "ds1", status_patch("archived"), std::nullopt));
  for (Op op : {Op::Insert, Op::Upsert, Op::Replace, Op::Delete})
    VAULT_EXPECT_KIND(s().records.write_records("t1", "ds1", {w(op, op == Op::Insert ? "r2" : "r1", "b")}),
                      ErrorKind::DatasetArchived);
  auto r = s().records.get_record("t1", "ds1", "r1");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->payload, "a");
  EXPECT_EQ(all("ds1").size(), 1u);
  auto d = s().datasets.get_dataset("t1", "ds1");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->seq, 1);
  ASSERT_TRUE(s().datasets.update_dataset("t1", "ds1", status_patch("active"), std::nullopt));
  ok_write("ds1", {w(Op::Insert, "r2", "b")});
  EXPECT_EQ(all("ds1").size(), 2u);
}

TEST_P(RecordStoreConformance, WriteAssignsConsecutiveSeqsInOrder) {
  tenant("t1");
  dataset("t1", "ds1", "n");
  auto r1 = ok_write("ds1", {w(Op::Insert, "a", "1"), w(Op::Insert, "b", "22"), w(Op::Upsert, "c", "333")});
  ASSERT_EQ(r1.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(r1[i].seq, static_cast<Seq>(i + 1));
    EXPECT_EQ(r1[i].revision, 1);
    EXPECT_TRUE(r1[i].created);
  }
  EXPECT_EQ(r1[0].id, "a");
  EXPECT_EQ(r1[2].id, "c");
  auto r2 = ok_write("ds1", {w(Op::Replace, "a", "x"), w(Op::Delete, "b")});
  ASSERT_EQ(r2.size(), 2u);
  EXPECT_EQ(r2[0].seq, 4);
  EXPECT_EQ(r2[1].seq, 5);
  auto d = s().datasets.get_dataset("t1", "ds1");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->seq, 5);
  EXPECT_EQ(d->record_count, 2);
  EXPECT_EQ(d->record_bytes, 1 + 3);  // "x" + "333"
  EXPECT_EQ(d->etag, 1);              // record writes are not metadata changes
  // An empty batch changes nothing.
  auto e = s().records.write_records("t1", "ds1", {});
  ASSERT_TRUE(e);
  EXPECT_TRUE(e->empty());
  d = s().datasets.get_dataset("t1", "ds1");
  EXPECT_EQ(d->seq, 5);
  VAULT_EXPECT_KIND(s().records.write_records("t1", "nope", {w(Op::Insert, "a", "1")}),
                    ErrorKind::DatasetNotFound);
}

TEST_P(RecordStoreConformance, WriteBatchIsAllOrNothing) {
  tenant("t1");
  dataset("t1", "ds1", "n");
  ok_write("ds1", {w(Op::Insert, "live", "v1")});
  struct Case {
    RecordWrite bad;
    ErrorKind kind;
  };
  const std::vector<Case> cases = {
      {w(Op::Replace, "missing", "x"), ErrorKind::RecordNotFound},
      {w(Op::Delete, "missing"), ErrorKind::RecordNotFound},
      {w(Op::Insert, "live", "x"), ErrorKind::Conflict},
      {w(Op::Replace, "live", "x", 7), ErrorKind::ConcurrentModification},
      {w(Op::Delete, "live", "", 7), ErrorKind::ConcurrentModification},
  };
  for (const auto& c : cases) {
    std::vector<RecordWrite> batch = {w(Op::Insert, "n1", "a"), w(Op::Replace, "live", "v2"),
                                      w(Op::Upsert, "n2", "b"), c.bad, w(Op::Insert, "n3", "c")};
    auto r = s().records.write_records("t1", "ds1", batch);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind(), c.kind) << r.error().message();
    ASSERT_TRUE(r.error().details().contains("index"));
    EXPECT_EQ(r.error().details().at("index").to_number<std::int64_t>(), 3);
    // Nothing of the batch is visible.
    auto d = s().datasets.get_dataset("t1", "ds1");
    ASSERT_TRUE(d);
    EXPECT_EQ(d->seq, 1);
    EXPECT_EQ(d->record_count, 1);
    EXPECT_EQ(d->record_bytes, 2);
    EXPECT_EQ(ids(all("ds1")), std::vector<std::string>{"live"});
    auto live = s().records.get_record("t1", "ds1", "live");
    ASSERT_TRUE(live);
    EXPECT_EQ(live->payload, "v1");
    EXPECT_EQ(live->revision, 1);
  }
  // The next successful write continues right after the last committed seq.
  auto ok = ok_write("ds1", {w(Op::Insert, "n1", "a")});
  ASSERT_EQ(ok.size(), 1u);
  EXPECT_EQ(ok[0].seq, 2);
}

TEST_P(RecordStoreConformance, RevisionsAndEtags) {
  tenant("t1");
  dataset("t1", "ds1", "n");
  const std::string binary("a\0b\xff\x01z", 6);
  auto r = ok_write("ds1", {w(Op::Insert, "r", binary)});
  ASSERT_EQ(r.size(), 1u);
  auto g = s().records.get_record("t1", "ds1", "r");
  ASSERT_TRUE(g);
  EXPECT_EQ(g->id, "r");
  EXPECT_EQ(g->payload, binary);  // exact bytes
  EXPECT_EQ(g->revision, 1);
  EXPECT_EQ(g->seq, 1);
  EXPECT_EQ(g->created_seq, 1);
  EXPECT_GT(g->created_at, 0);
  const Timestamp created_at = g->created_at;

  r = ok_write("ds1", {w(Op::Replace, "r", "two")});
  EXPECT_EQ(r[0].revision, 2);
  EXPECT_FALSE(r[0].created);
  VAULT_EXPECT_KIND(s().records.write_records("t1", "ds1", {w(Op::Replace, "r", "x", 1)}),
                    ErrorKind::ConcurrentModification);
  r = ok_write("ds1", {w(Op::Replace, "r", "three", 2)});
  EXPECT_EQ(r[0].revision, 3);
  r = ok_write("ds1", {w(Op::Upsert, "r", "four")});
  EXPECT_EQ(r[0].revision, 4);
  EXPECT_FALSE(r[0].created);
  r = ok_write("ds1", {w(Op::Upsert, "other", "")});  // an empty payload is a payload
  EXPECT_EQ(r[0].revision, 1);
  EXPECT_TRUE(r[0].created);

  g = s().records.get_record("t1", "ds1", "r");
  ASSERT_TRUE(g);
  EXPECT_EQ(g->payload, "four");
  EXPECT_EQ(g->revision, 4);
  EXPECT_EQ(g->seq, 4);
  EXPECT_EQ(g->created_seq, 1);          // replacing keeps the creation seq
  EXPECT_EQ(g->created_at, created_at);  // and the creation time
  EXPECT_GE(g->updated_at, created_at);
  auto e = s().records.get_record("t1", "ds1", "other");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->payload, "");

  VAULT_EXPECT_KIND(s().records.write_records("t1", "ds1", {w(Op::Delete, "r", "", 3)}),
                    ErrorKind::ConcurrentModification);
  r = ok_write("ds1", {w(Op::Delete, "r", "", 4)});
  EXPECT_EQ(r[0].revision, 4);  // the revision that was removed
  EXPECT_EQ(r[0].seq, 6);
  EXPECT_FALSE(r[0].created);
  VAULT_EXPECT_KIND(s().records.get_record("t1", "ds1", "r"), ErrorKind::RecordNotFound);
  VAULT_EXPECT_KIND(s().records.get_record("t1", "ds1", "never"), ErrorKind::RecordNotFound);
}

TEST_P(RecordStoreConformance, SameIdSeveralTimesInOneBatch) {
  tenant("t1");
  dataset("t1", "ds1", "n");
  auto r = ok_write("ds1", {w(Op::Insert, "x", "1"), w(Op::Replace, "x", "2", 1), w(Op::Delete, "x"),
                            w(Op::Insert, "x", "3")});
  ASSERT_EQ(r.size(), 4u);
  EXPECT_EQ(r[1].revision, 2);
  EXPECT_EQ(r[2].revision, 2);
  EXPECT_TRUE(r[3].created);
  auto g = s().records.get_record("t1", "ds1", "x");
  ASSERT_TRUE(g);
  EXPECT_EQ(g->payload, "3");
  EXPECT_EQ(g->seq, 4);
  EXPECT_EQ(g->created_seq, 4);
  auto d = s().datasets.get_dataset("t1", "ds1");
  EXPECT_EQ(d->record_count, 1);
  EXPECT_EQ(d->record_bytes, 1);
}

TEST_P(RecordStoreConformance, DeleteAndRecreateAnId) {
  tenant("t1");
  dataset("t1", "ds1", "n");
  ok_write("ds1", {w(Op::Insert, "a", "a1"), w(Op::Insert, "b", "b1"), w(Op::Insert, "c", "c1")});
  ok_write("ds1", {w(Op::Delete, "a")});                          // seq 4
  VAULT_EXPECT_KIND(s().records.write_records("t1", "ds1", {w(Op::Delete, "a")}), ErrorKind::RecordNotFound);
  VAULT_EXPECT_KIND(s().records.write_records("t1", "ds1", {w(Op::Replace, "a", "x")}),
                    ErrorKind::RecordNotFound);
  auto r = ok_write("ds1", {w(Op::Insert, "a", "a2")});           // seq 5: no Conflict, a new incarnation
  ASSERT_EQ(r.size(), 1u);
  EXPECT_TRUE(r[0].created);
  // Revisions continue across the delete, so an old ETag never matches the new record.
  EXPECT_EQ(r[0].revision, 2);
  VAULT_EXPECT_KIND(s().records.write_records("t1", "ds1", {w(Op::Replace, "a", "x", 1)}),
                    ErrorKind::ConcurrentModification);
  VAULT_EXPECT_KIND(s().records.write_records("t1", "ds1", {w(Op::Insert, "a", "x")}), ErrorKind::Conflict);
  auto g = s().records.get_record("t1", "ds1", "a");
  ASSERT_TRUE(g);
  EXPECT_EQ(g->payload, "a2");
  EXPECT_EQ(g->created_seq, 5);
  // The recreated record lists after the others (created_seq order).
  EXPECT_EQ(ids(all("ds1")), (std::vector<std::string>{"b", "c", "a"}));
  // As of seq 3 the first incarnation is what existed, in its original place.
  auto old = all("ds1", 3);
  EXPECT_EQ(ids(old), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(old[0].payload, "a1");
  VAULT_EXPECT_KIND(s().records.get_record("t1", "ds1", "a", 4), ErrorKind::RecordNotFound);
  auto d = s().datasets.get_dataset("t1", "ds1");
  EXPECT_EQ(d->record_count, 3);
}

TEST_P(RecordStoreConformance, ListRecordsOrderAndPagination) {
  tenant("t1");
  dataset("t1", "ds1", "n");
  std::vector<RecordWrite> batch;
  // Ids deliberately not in creation order.
  for (int i = 0; i < 25; ++i) batch.push_back(w(Op::Insert, "id" + std::to_string((i * 7) % 25), "p" + std::to_string(i)));
  ok_write("ds1", batch);
  auto full = all("ds1", std::nullopt, 1000);
  ASSERT_EQ(full.size(), 25u);
  for (std::size_t i = 0; i < full.size(); ++i) {
    EXPECT_EQ(full[i].created_seq, static_cast<Seq>(i + 1));
    EXPECT_EQ(full[i].payload, "p" + std::to_string(i));
  }
  EXPECT_EQ(ids(all("ds1", std::nullopt, 10)), ids(full));
  EXPECT_EQ(ids(all("ds1", std::nullopt, 1)), ids(full));
  EXPECT_EQ(ids(all("ds1", std::nullopt, 25)), ids(full));
  auto p = s().records.list_records("t1", "ds1", std::nullopt, std::nullopt, 10);
  ASSERT_TRUE(p);
  ASSERT_EQ(p->items.size(), 10u);
  ASSERT_TRUE(p->next_after);
  auto q = s().records.list_records("t1", "ds1", std::nullopt, Seq{20}, 10);
  ASSERT_TRUE(q);
  ASSERT_EQ(q->items.size(), 5u);
  EXPECT_EQ(q->items[0].created_seq, 21);
  EXPECT_FALSE(q->next_after);  // a short page is the last one
  // Replacing a record keeps its place.
  ok_write("ds1", {w(Op::Replace, full[3].id, "new")});
  auto again = all("ds1", std::nullopt, 7);
  EXPECT_EQ(ids(again), ids(full));
  EXPECT_EQ(again[3].payload, "new");
}

TEST_P(RecordStoreConformance, AsOfReadsAreStableWhileLaterWritesHappen) {
  tenant("t1");
  dataset("t1", "ds1", "n");
  ok_write("ds1", {w(Op::Insert, "a", "a1"), w(Op::Insert, "b", "b1")});  // 1, 2
  const Seq s2 = 2;
  ok_write("ds1", {w(Op::Replace, "a", "a2"), w(Op::Insert, "c", "c1")});   // 3, 4
  const Seq s4 = 4;
  ok_write("ds1", {w(Op::Delete, "b"), w(Op::Upsert, "a", "a3")});         // 5, 6
  const Seq s6 = 6;

  using V = std::vector<std::pair<std::string, std::string>>;
  auto snapshot = [&](std::optional<Seq> as_of, int page) {
    V out;
    for (auto& r : all("ds1", as_of, page)) out.emplace_back(r.id, r.payload);
    return out;
  };
  const V at2{{"a", "a1"}, {"b", "b1"}};
  const V at4{{"a", "a2"}, {"b", "b1"}, {"c", "c1"}};
  const V at6{{"a", "a3"}, {"c", "c1"}};
  auto check_history = [&] {
    EXPECT_EQ(snapshot(s2, 1), at2);
    EXPECT_EQ(snapshot(s4, 2), at4);
    EXPECT_EQ(snapshot(s6, 100), at6);
    EXPECT_TRUE(snapshot(0, 10).empty());
    auto a = s().records.get_record("t1", "ds1", "a", s2);
    ASSERT_TRUE(a);
    EXPECT_EQ(a->payload, "a1");
    EXPECT_EQ(a->revision, 1);
    a = s().records.get_record("t1", "ds1", "a", 3);
    ASSERT_TRUE(a);
    EXPECT_EQ(a->payload, "a2");
    EXPECT_EQ(a->seq, 3);
    a = s().records.get_record("t1", "ds1", "a", 5);
    ASSERT_TRUE(a);
    EXPECT_EQ(a->payload, "a2");
    auto b = s().records.get_record("t1", "ds1", "b", s4);
    ASSERT_TRUE(b);
    EXPECT_EQ(b->payload, "b1");
    VAULT_EXPECT_KIND(s().records.get_record("t1", "ds1", "b", 5), ErrorKind::RecordNotFound);
    VAULT_EXPECT_KIND(s().records.get_record("t1", "ds1", "c", 3), ErrorKind::RecordNotFound);
  };
  check_history();
  EXPECT_EQ(snapshot(std::nullopt, 10), at6);
  // Later writes (including to the same ids) do not change what older seqs see.
  ok_write("ds1", {w(Op::Delete, "a"), w(Op::Insert, "b", "b2"), w(Op::Replace, "c", "c2"), w(Op::Insert, "d", "d1")});
  check_history();
  EXPECT_EQ(snapshot(std::nullopt, 10), (V{{"c", "c2"}, {"b", "b2"}, {"d", "d1"}}));
  EXPECT_EQ(snapshot(s6 + 4, 3), snapshot(std::nullopt, 3));
}

TEST_P(RecordStoreConformance, ConcurrentWritersAllCommitWithUniqueSeqs) {
  tenant("t1");
  dataset("t1", "ds1", "n");
  constexpr int kThreads = 16, kPerThread = 200;
  std::vector<std::vector<Seq>> seqs(kThreads);
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        auto r = s().records.write_records(
            "t1", "ds1", {w(Op::Insert, "t" + std::to_string(t) + "-" + std::to_string(i), "p")});
        if (!r || r->size() != 1) {
          ++failures;
          continue;
        }
        seqs[t].push_back((*r)[0].seq);
      }
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  std::set<Seq> unique;
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_TRUE(std::is_sorted(seqs[t].begin(), seqs[t].end()));  // one thread's writes stay in order
    unique.insert(seqs[t].begin(), seqs[t].end());
  }
  EXPECT_EQ(unique.size(), static_cast<std::size_t>(kThreads * kPerThread));
  EXPECT_EQ(*unique.begin(), 1);
  EXPECT_EQ(*unique.rbegin(), kThreads * kPerThread);
  auto d = s().datasets.get_dataset("t1", "ds1");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->seq, kThreads * kPerThread);
  EXPECT_EQ(d->record_count, kThreads * kPerThread);
  auto listed = all("ds1", std::nullopt, 500);
  ASSERT_EQ(listed.size(), static_cast<std::size_t>(kThreads * kPerThread));
  for (std::size_t i = 0; i < listed.size(); ++i) EXPECT_EQ(listed[i].created_seq, static_cast<Seq>(i + 1));
}

TEST_P(RecordStoreConformance, ConcurrentConflictingInsertsFailAlone) {
  tenant("t1");
  dataset("t1", "ds1", "n");
  constexpr int kThreads = 8, kIds = 60;
  std::atomic<int> created{0}, conflicts{0}, other{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < kIds; ++i) {
        // Each call: one contested id plus one id only this thread writes.
        auto r = s().records.write_records(
            "t1", "ds1",
            {w(Op::Insert, "own-" + std::to_string(t) + "-" + std::to_string(i), "o"),
             w(Op::Insert, "shared-" + std::to_string(i), std::to_string(t))});
        if (r) ++created;
        else if (r.error().kind() == ErrorKind::Conflict) ++conflicts;
        else ++other;
      }
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(other.load(), 0);
  EXPECT_EQ(created.load(), kIds);  // exactly one winner per contested id
  EXPECT_EQ(conflicts.load(), kThreads * kIds - kIds);
  auto listed = all("ds1");
  EXPECT_EQ(listed.size(), static_cast<std::size_t>(2 * kIds));  // losers left nothing behind
  auto d = s().datasets.get_dataset("t1", "ds1");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->seq, 2 * kIds);
  EXPECT_EQ(d->record_count, 2 * kIds);
}

TEST_P(RecordStoreConformance, ReadsDoNotBlockDuringALongWriteBatch) {
  tenant("t1");
  dataset("t1", "ds1", "n");
  ok_write("ds1", {w(Op::Insert, "seed", "s")});
  ASSERT_TRUE(s().versions.create_version("t1", version("ds1", 1)));
  int overlapped = 0;
  std::int64_t expected_count = 1;
  // A reader blocked by the writer could only finish after the commit; reads that
  // return the pre-batch state while write_records is still outstanding prove they
  // were not blocked. Bigger batches are tried if the writer was too quick to overlap.
  for (int n = 4000, attempt = 0; attempt < 5 && overlapped < 10; ++attempt, n *= 2) {
    std::vector<RecordWrite> batch;
    for (int i = 0; i < n; ++i)
      batch.push_back(w(Op::Insert, "b" + std::to_string(attempt) + "-" + std::to_string(i), std::string(200, 'x')));
    std::atomic<bool> done{false};
    std::thread writer([&] {
      auto r = s().records.write_records("t1", "ds1", std::move(batch));
      EXPECT_TRUE(r);
      done = true;
    });
    const std::int64_t before = expected_count;
    while (!done.load()) {
      auto d = s().datasets.get_dataset("t1", "ds1");
      auto snap = s().records.list_records("t1", "ds1", 1, std::nullopt, 10);
      auto seed = s().records.get_record("t1", "ds1", "seed");
      const bool still_pending = !done.load();
      if (!(d && snap && seed)) {
        ADD_FAILURE() << "a read failed during the write batch";
        break;
      }
      // Never a partial batch.
      EXPECT_TRUE(d->record_count == before || d->record_count == before + n) << d->record_count;
      EXPECT_EQ(snap->items.size(), 1u);
      if (still_pending && d->record_count == before) ++overlapped;
    }
    writer.join();
    expected_count += n;
  }
  EXPECT_GE(overlapped, 10);
  auto d = s().datasets.get_dataset("t1", "ds1");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->record_count, expected_count);
}

TEST_P(RecordStoreConformance, QuarantinedRevisionsAreFilteredAndCarryFindings) {
  tenant("t1");
  dataset("t1", "ds1", "one");
  RecordWrite q = w(Op::Insert, "q", "secret");
  q.quarantined = true;
  q.findings = R"({"counts":{"EMAIL_ADDRESS":1}})";
  ok_write("ds1", {w(Op::Insert, "a", "1"), q, w(Op::Insert, "b", "2")});
  EXPECT_EQ(ids(all("ds1")), (std::vector<std::string>{"a", "b"}));
  auto only =
      s().records.list_records("t1", "ds1", std::nullopt, std::nullopt, 10, RecordFilter::Quarantined);
  ASSERT_TRUE(only);
  ASSERT_EQ(only->items.size(), 1u);
  EXPECT_EQ(only->items[0].id, "q");
  EXPECT_TRUE(only->items[0].quarantined);
  EXPECT_EQ(only->items[0].findings, q.findings);
  auto every = s().records.list_records("t1", "ds1", std::nullopt, std::nullopt, 10, RecordFilter::All);
  ASSERT_TRUE(every);
  EXPECT_EQ(every->items.size(), 3u);
  auto got = s().records.get_record("t1", "ds1", "q");
  ASSERT_TRUE(got);
  EXPECT_TRUE(got->quarantined);
  // Release = a new, visible revision; the old snapshot still hides it.
  const Seq before = s().datasets.get_dataset("t1", "ds1")->seq;
  RecordWrite rel = w(Op::Replace, "q", "secret", 1);
  ok_write("ds1", {rel});
  EXPECT_EQ(ids(all("ds1")), (std::vector<std::string>{"a", "q", "b"}));
  EXPECT_EQ(ids(all("ds1", before)), (std::vector<std::string>{"a", "b"}));
  auto now = s().records.get_record("t1", "ds1", "q");
  ASSERT_TRUE(now);
  EXPECT_FALSE(now->quarantined);
  EXPECT_EQ(now->revision, 2);
}

TEST_P(RecordStoreConformance, RecordRevisionsListEveryRevisionInSeqOrder) {
  tenant("t1");
  tenant("t2");
  dataset("t1", "ds1", "one");
  ok_write("ds1", {w(Op::Insert, "a", "a1"), w(Op::Insert, "b", "b1")});
  ok_write("ds1", {w(Op::Replace, "a", "a2"), w(Op::Delete, "b")});
  RecordWrite q = w(Op::Insert, "q", "q1");
  q.quarantined = true;
  ok_write("ds1", {q, w(Op::Insert, "b", "b2")});
  auto n = s().records.count_record_revisions("t1", "ds1");
  ASSERT_TRUE(n) << n.error().message();
  EXPECT_EQ(*n, 5);  // a1 a2 b1 q1 b2 (a delete adds no revision)
  std::vector<std::string> payloads;
  std::vector<Seq> seqs;
  Seq after = 0;
  for (int guard = 0; guard < 100; ++guard) {
    auto p = s().records.list_record_revisions("t1", "ds1", after, 2);
    ASSERT_TRUE(p) << p.error().message();
    EXPECT_LE(p->items.size(), 2u);
    for (const auto& r : p->items) {
      payloads.push_back(r.payload);
      seqs.push_back(r.seq);
    }
    if (!p->next_after) break;
    EXPECT_EQ(*p->next_after, seqs.back());
    after = *p->next_after;
  }
  EXPECT_EQ(payloads, (std::vector<std::string>{"a1", "b1", "a2", "q1", "b2"}));
  EXPECT_TRUE(std::is_sorted(seqs.begin(), seqs.end()));
  EXPECT_EQ(std::set<Seq>(seqs.begin(), seqs.end()).size(), seqs.size());
  VAULT_EXPECT_KIND(s().records.list_record_revisions("t2", "ds1", 0, 10), ErrorKind::DatasetNotFound);
  VAULT_EXPECT_KIND(s().records.count_record_revisions("t2", "ds1"), ErrorKind::DatasetNotFound);
}

TEST_P(RecordStoreConformance, RewritePayloadInPlaceIsCompareAndSwap) {
  tenant("t1");
  tenant("t2");
  dataset("t1", "ds1", "one");
  auto first = ok_write("ds1", {w(Op::Insert, "a", "old-1")});
  ASSERT_EQ(first.size(), 1u);
  const Seq s1 = first[0].seq;
  ok_write("ds1", {w(Op::Replace, "a", "cur-2")});
  const Seq before = s().datasets.get_dataset("t1", "ds1")->seq;
  const auto bytes_before = s().datasets.get_dataset("t1", "ds1")->record_bytes;

  // A superseded revision is rewritten in place: as-of reads see the new bytes,
  // no revision or seq is added.
  ASSERT_TRUE(s().records.rewrite_record_payload("t1", "ds1", "a", s1, "old-1", "new-1"));
  auto old = s().records.get_record("t1", "ds1", "a", s1);
  ASSERT_TRUE(old);
  EXPECT_EQ(old->payload, "new-1");
  EXPECT_EQ(old->revision, 1);
  EXPECT_EQ(old->seq, s1);
  auto d = s().datasets.get_dataset("t1", "ds1");
  EXPECT_EQ(d->seq, before);
  EXPECT_EQ(d->record_bytes, bytes_before);  // not live: live bytes unchanged
  EXPECT_EQ(*s().records.count_record_revisions("t1", "ds1"), 2);

  // Stale expectation → ConcurrentModification, nothing changes.
  VAULT_EXPECT_KIND(s().records.rewrite_record_payload("t1", "ds1", "a", s1, "old-1", "other"),
                    ErrorKind::ConcurrentModification);
  EXPECT_EQ(s().records.get_record("t1", "ds1", "a", s1)->payload, "new-1");
  // Unknown revision, other tenant.
  VAULT_EXPECT_KIND(s().records.rewrite_record_payload("t1", "ds1", "a", 999, "x", "y"),
                    ErrorKind::RecordNotFound);
  VAULT_EXPECT_KIND(s().records.rewrite_record_payload("t1", "ds1", "zz", s1, "new-1", "y"),
                    ErrorKind::RecordNotFound);
  VAULT_EXPECT_KIND(s().records.rewrite_record_payload("t2", "ds1", "a", s1, "new-1", "y"),
                    ErrorKind::DatasetNotFound);

  // The live revision: its byte count follows a size change; binary-safe.
  const Seq s2 = s().records.get_record("t1", "ds1", "a")->seq;
  const std::string bin("\x00\x01\xff" "cur", 6);
  ASSERT_TRUE(s().records.rewrite_record_payload("t1", "ds1", "a", s2, "cur-2", bin));
  auto now = s().records.get_record("t1", "ds1", "a");
  EXPECT_EQ(now->payload, bin);
  EXPECT_EQ(now->revision, 2);
  EXPECT_EQ(s().datasets.get_dataset("t1", "ds1")->record_bytes, bytes_before + 1);
  EXPECT_EQ(all("ds1").size(), 1u);
}

TEST_P(RecordStoreConformance, RewritePayloadsInOneBatchSkipsStaleOnes) {
  tenant("t1");
  dataset("t1", "ds1", "one");
  auto w1 = ok_write("ds1", {w(Op::Insert, "a", "a1"), w(Op::Insert, "b", "b1"), w(Op::Insert, "c", "c1")});
  ASSERT_EQ(w1.size(), 3u);
  std::vector<PayloadRewrite> batch{{"a", w1[0].seq, "a1", "A1"},
                                    {"b", w1[1].seq, "stale", "B1"},   // payload differs: skipped
                                    {"c", 999, "c1", "C1"},            // no such revision: skipped
                                    {"c", w1[2].seq, "c1", "C1-longer"}};
  auto n = s().records.rewrite_record_payloads("t1", "ds1", batch);
  ASSERT_TRUE(n) << n.error().message();
  EXPECT_EQ(*n, 2);
  EXPECT_EQ(s().records.get_record("t1", "ds1", "a")->payload, "A1");
  EXPECT_EQ(s().records.get_record("t1", "ds1", "b")->payload, "b1");
  EXPECT_EQ(s().records.get_record("t1", "ds1", "c")->payload, "C1-longer");
  EXPECT_EQ(s().datasets.get_dataset("t1", "ds1")->record_bytes, 2 + 2 + 9);
  VAULT_EXPECT_KIND(s().records.rewrite_record_payloads("t2", "ds1", batch), ErrorKind::DatasetNotFound);
}

TEST_P(RecordStoreConformance, ARevisionFixedByTheWriterIsTheOneStoredOrTheWriteIsRefused) {
  tenant("t1");
  dataset("t1", "ds1", "one");
  auto at = [](Op op, std::string id, std::string payload, std::int64_t revision,
               std::optional<std::int64_t> expected = std::nullopt) {
    RecordWrite x(op, std::move(id), std::move(payload), expected);
    x.revision = revision;
    return x;
  };
  EXPECT_EQ(*s().records.last_revision("t1", "ds1", "r"), 0);
  EXPECT_EQ(ok_write("ds1", {at(Op::Upsert, "r", "x@1", 1)})[0].revision, 1);
  EXPECT_EQ(*s().records.last_revision("t1", "ds1", "r"), 1);

  // Another writer sealed for revision 1 too: refused, nothing changes.
  auto lost = s().records.write_records("t1", "ds1", {at(Op::Upsert, "r", "y@1", 1)});
  ASSERT_FALSE(lost);
  EXPECT_EQ(lost.error().kind(), ErrorKind::ConcurrentModification);
  EXPECT_EQ(lost.error().details().at("index").as_int64(), 0);
  EXPECT_EQ(lost.error().details().at("next_revision").as_int64(), 2);
  EXPECT_EQ(s().records.get_record("t1", "ds1", "r")->payload, "x@1");
  EXPECT_EQ(ok_write("ds1", {at(Op::Upsert, "r", "y@2", 2)})[0].revision, 2);

  // A deleted id continues its revisions: its last one still counts.
  ok_write("ds1", {w(Op::Delete, "r")});
  EXPECT_EQ(*s().records.last_revision("t1", "ds1", "r"), 2);
  VAULT_EXPECT_KIND(s().records.write_records("t1", "ds1", {at(Op::Upsert, "r", "z@1", 1)}),
                    ErrorKind::ConcurrentModification);
  auto again = ok_write("ds1", {at(Op::Upsert, "r", "z@3", 3)});
  ASSERT_EQ(again.size(), 1u);
  EXPECT_TRUE(again[0].created);
  EXPECT_EQ(again[0].revision, 3);
  EXPECT_EQ(s().records.get_record("t1", "ds1", "r")->payload, "z@3");

  // All or nothing: a stale revision later in the batch undoes the earlier writes.
  const auto before = *s().datasets.get_dataset("t1", "ds1");
  auto r = s().records.write_records("t1", "ds1", {at(Op::Insert, "s", "plain", 1), at(Op::Upsert, "r", "w@3", 3)});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind(), ErrorKind::ConcurrentModification);
  EXPECT_EQ(r.error().details().at("index").as_int64(), 1);
  VAULT_EXPECT_KIND(s().records.get_record("t1", "ds1", "s"), ErrorKind::RecordNotFound);
  EXPECT_EQ(s().datasets.get_dataset("t1", "ds1")->record_bytes, before.record_bytes);
  EXPECT_EQ(s().datasets.get_dataset("t1", "ds1")->seq, before.seq);

  // The id and If-Match checks come first, with their own errors.
  VAULT_EXPECT_KIND(s().records.write_records("t1", "ds1", {at(Op::Insert, "r", "v", 9)}), ErrorKind::Conflict);
  VAULT_EXPECT_KIND(s().records.write_records("t1", "ds1", {at(Op::Replace, "nope", "v", 1)}), ErrorKind::RecordNotFound);
  auto stale = s().records.write_records("t1", "ds1", {at(Op::Replace, "r", "v", 2, 1)});
  ASSERT_FALSE(stale);
  EXPECT_EQ(stale.error().kind(), ErrorKind::ConcurrentModification);
  EXPECT_EQ(stale.error().details().at("actual_revision").as_int64(), 3);
  EXPECT_EQ(ok_write("ds1", {at(Op::Replace, "r", "v@4", 4, 3)})[0].revision, 4);
  // A delete ignores it.
  EXPECT_EQ(ok_write("ds1", {at(Op::Delete, "r", "", 99)})[0].revision, 4);

  // Scoped by tenant like every record method.
  tenant("t2");
  VAULT_EXPECT_KIND(s().records.last_revision("t2", "ds1", "r"), ErrorKind::DatasetNotFound);
}

}  // namespace vault::storage::conformance
