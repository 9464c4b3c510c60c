#pragma once
/// Conformance suite of VersionStore (version_store.hpp).
/// Fixture, helpers and how to instantiate: store_conformance.hpp.
#include "conformance/store_conformance.hpp"

namespace vault::storage::conformance {

class VersionStoreConformance : public StoreConformance {};

TEST_P(VersionStoreConformance, VersionsAreNumberedPerDataset) {
  tenant("t1");
  dataset("t1", "ds1", "n1");
  dataset("t1", "ds2", "n2");
  ok_write("ds1", {w(Op::Insert, "a", "1"), w(Op::Insert, "b", "2")});
  Version v;
  v.dataset_id = "ds1";
  v.seq = 1;
  v.message = "first";
  v.author_key_id = "k1";
  v.record_count = 1;
  v.record_bytes = 1;
  v.content_hash = std::string(64, 'f');
  v.created_at = 99;
  auto v1 = s().versions.create_version("t1", v);
  ASSERT_TRUE(v1) << v1.error().message();
  EXPECT_EQ(v1->number, 1);
  v.seq = 2;
  v.message = "second";
  auto v2 = s().versions.create_version("t1", v);
  ASSERT_TRUE(v2);
  EXPECT_EQ(v2->number, 2);
  auto other = s().versions.create_version("t1", version("ds2", 0));
  ASSERT_TRUE(other);
  EXPECT_EQ(other->number, 1);  // numbering is per dataset

  auto g = s().versions.get_version("t1", "ds1", 1);
  ASSERT_TRUE(g);
  EXPECT_EQ(g->dataset_id, "ds1");
  EXPECT_EQ(g->seq, 1);
  EXPECT_EQ(g->message, "first");
  EXPECT_EQ(g->author_key_id, "k1");
  EXPECT_EQ(g->record_count, 1);
  EXPECT_EQ(g->record_bytes, 1);
  EXPECT_EQ(g->content_hash, std::string(64, 'f'));
  EXPECT_EQ(g->created_at, 99);
  VAULT_EXPECT_KIND(s().versions.get_version("t1", "ds1", 3), ErrorKind::VersionNotFound);
  VAULT_EXPECT_KIND(s().versions.get_version("t1", "nope", 1), ErrorKind::DatasetNotFound);
  VAULT_EXPECT_KIND(s().versions.create_version("t1", version("nope", 0)), ErrorKind::DatasetNotFound);
  auto l = s().versions.list_versions("t1", "ds1");
  ASSERT_TRUE(l);
  ASSERT_EQ(l->size(), 2u);
  EXPECT_EQ((*l)[0].number, 1);
  EXPECT_EQ((*l)[1].number, 2);
  EXPECT_EQ((*l)[1].message, "second");
  auto d = s().datasets.get_dataset("t1", "ds1");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->version_count, 2);
  // A version's snapshot stays readable after later changes.
  ok_write("ds1", {w(Op::Delete, "a")});
  auto snap = all("ds1", g->seq);
  EXPECT_EQ(ids(snap), std::vector<std::string>{"a"});
}

}  // namespace vault::storage::conformance
