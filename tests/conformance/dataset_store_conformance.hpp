#pragma once
/// Conformance suite of DatasetStore (dataset_store.hpp). delete_dataset, which spans the
/// dataset's records, versions and data keys, is checked in
/// cross_aggregate_conformance.hpp.
/// Fixture, helpers and how to instantiate: store_conformance.hpp.
#include "conformance/store_conformance.hpp"

namespace vault::storage::conformance {

class DatasetStoreConformance : public StoreConformance {};

TEST_P(DatasetStoreConformance, CreateDatasetReturnsStoredRow) {
  tenant("t1");
  Dataset in;
  in.id = "ds1";
  in.tenant_id = "t1";
  in.name = "reviews";
  in.description = "product reviews";
  in.tags = {"nlp", "en"};
  in.schema_json = R"({"type":"object"})";
  in.created_at = in.updated_at = 42;
  auto d = s().datasets.create_dataset(in);
  ASSERT_TRUE(d) << d.error().message();
  EXPECT_EQ(d->id, "ds1");
  EXPECT_EQ(d->tenant_id, "t1");
  EXPECT_EQ(d->name, "reviews");
  EXPECT_EQ(d->description, "product reviews");
  EXPECT_EQ(d->tags, (std::vector<std::string>{"nlp", "en"}));
  EXPECT_EQ(d->schema_json, R"({"type":"object"})");
  EXPECT_EQ(d->status, "active");
  EXPECT_EQ(d->etag, 1);
  EXPECT_EQ(d->seq, 0);
  EXPECT_EQ(d->record_count, 0);
  EXPECT_EQ(d->record_bytes, 0);
  EXPECT_EQ(d->version_count, 0);
  EXPECT_EQ(d->created_at, 42);
  auto g = s().datasets.get_dataset("t1", "ds1");
  ASSERT_TRUE(g);
  EXPECT_EQ(g->name, d->name);
  EXPECT_EQ(g->tags, d->tags);
  EXPECT_EQ(g->schema_json, d->schema_json);
  EXPECT_EQ(g->etag, 1);
  VAULT_EXPECT_KIND(s().datasets.get_dataset("t1", "nope"), ErrorKind::DatasetNotFound);
}

TEST_P(DatasetStoreConformance, TagsAreStoredWithoutAnInBandSeparator) {
  tenant("t1");
  Dataset in;
  in.id = "ds1";
  in.tenant_id = "t1";
  in.name = "tags";
  in.tags = {std::string("a\x1f" "b"), "c,d", "[\"e\"]", "", "f\nf"};
  ASSERT_TRUE(s().datasets.create_dataset(in));
  auto g = s().datasets.get_dataset("t1", "ds1");
  ASSERT_TRUE(g);
  EXPECT_EQ(g->tags, in.tags);
  auto listed = [&](std::string tag) {
    DatasetFilter f;
    f.tag = std::move(tag);
    auto r = s().datasets.list_datasets("t1", f);
    EXPECT_TRUE(r) << r.error().message();
    return r ? r->size() : 0;
  };
  EXPECT_EQ(listed(std::string("a\x1f" "b")), 1u);
  EXPECT_EQ(listed("a"), 0u);
  EXPECT_EQ(listed("b"), 0u);
  EXPECT_EQ(listed("c,d"), 1u);
  EXPECT_EQ(listed("c"), 0u);
  EXPECT_EQ(listed("[\"e\"]"), 1u);
}

TEST_P(DatasetStoreConformance, DatasetNameUniquePerTenant) {
  tenant("t1");
  tenant("t2");
  dataset("t1", "ds1", "same");
  Dataset dup;
  dup.id = "ds2";
  dup.tenant_id = "t1";
  dup.name = "same";
  VAULT_EXPECT_KIND(s().datasets.create_dataset(dup), ErrorKind::Conflict);
  dup.tenant_id = "t2";
  EXPECT_TRUE(s().datasets.create_dataset(dup));  // same name, other tenant: fine
  dataset("t1", "ds3", "other");
  DatasetPatch p;
  p.name = "same";
  VAULT_EXPECT_KIND(s().datasets.update_dataset("t1", "ds3", p, std::nullopt), ErrorKind::Conflict);
  p.name = "other";  // renaming to its own name is not a clash
  EXPECT_TRUE(s().datasets.update_dataset("t1", "ds3", p, std::nullopt));
}

TEST_P(DatasetStoreConformance, ListDatasetsFilterAndPagination) {
  tenant("t1");
  tenant("t2");
  dataset("t1", "ds_c", "web-crawl", {"en", "raw"});
  dataset("t1", "ds_a", "web-clean", {"en"});
  dataset("t1", "ds_e", "chat", {"raw"});
  dataset("t1", "ds_b", "webby", {"en", "enx"});
  dataset("t1", "ds_d", "code");
  dataset("t2", "ds_z", "web-other", {"en"});
  ASSERT_TRUE(s().datasets.update_dataset("t1", "ds_b", status_patch("archived"), std::nullopt));

  auto q = [&](DatasetFilter f) {
    auto r = s().datasets.list_datasets("t1", f);
    EXPECT_TRUE(r) << r.error().message();
    return r ? ids(*r) : std::vector<std::string>{};
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(q(filter({})), (V{"ds_a", "ds_b", "ds_c", "ds_d", "ds_e"}));
  EXPECT_EQ(q(filter("en")), (V{"ds_a", "ds_b", "ds_c"}));  // exact tag match: "enx" is not "en"
  EXPECT_EQ(q(filter("e")), V{});
  EXPECT_EQ(q(filter({}, "archived")), V{"ds_b"});
  EXPECT_EQ(q(filter({}, "active")), (V{"ds_a", "ds_c", "ds_d", "ds_e"}));
  EXPECT_EQ(q(filter({}, {}, "web")), (V{"ds_a", "ds_b", "ds_c"}));
  EXPECT_EQ(q(filter({}, {}, "web-")), (V{"ds_a", "ds_c"}));
  EXPECT_EQ(q(filter("en", "active", "web")), (V{"ds_a", "ds_c"}));
  EXPECT_EQ(q(filter({}, {}, {}, {}, 2)), (V{"ds_a", "ds_b"}));
  EXPECT_EQ(q(filter({}, {}, {}, "ds_b", 2)), (V{"ds_c", "ds_d"}));
  EXPECT_EQ(q(filter({}, {}, {}, "ds_d", 2)), (V{"ds_e"}));
  EXPECT_EQ(q(filter({}, {}, {}, "ds_e", 2)), V{});
  EXPECT_EQ(q(filter("raw", {}, {}, "ds_c")), V{"ds_e"});

  // Walking pages of 2 visits every dataset once, in id order.
  V walked;
  DatasetFilter f = filter({}, {}, {}, {}, 2);
  for (int i = 0; i < 10; ++i) {
    auto page = q(f);
    walked.insert(walked.end(), page.begin(), page.end());
    if (page.size() < 2) break;
    f.after_id = page.back();
  }
  EXPECT_EQ(walked, (V{"ds_a", "ds_b", "ds_c", "ds_d", "ds_e"}));
}

TEST_P(DatasetStoreConformance, UpdateDatasetPatchAndEtag) {
  tenant("t1");
  auto d = dataset("t1", "ds1", "n1", {"a"});
  DatasetPatch p;
  p.description = "new";
  auto u = s().datasets.update_dataset("t1", "ds1", p, std::optional<std::int64_t>(1));
  ASSERT_TRUE(u) << u.error().message();
  EXPECT_EQ(u->etag, 2);
  EXPECT_EQ(u->description, "new");
  EXPECT_EQ(u->name, "n1");  // untouched fields stay
  EXPECT_EQ(u->tags, std::vector<std::string>{"a"});
  EXPECT_GE(u->updated_at, d.updated_at);

  // A stale etag is refused and changes nothing.
  p.description = "stale";
  VAULT_EXPECT_KIND(s().datasets.update_dataset("t1", "ds1", p, std::optional<std::int64_t>(1)),
                    ErrorKind::ConcurrentModification);
  auto g = s().datasets.get_dataset("t1", "ds1");
  ASSERT_TRUE(g);
  EXPECT_EQ(g->description, "new");
  EXPECT_EQ(g->etag, 2);

  // Without an expected etag the update applies; tags, schema and name too.
  DatasetPatch all;
  all.name = "n2";
  all.tags = std::vector<std::string>{};
  all.schema_json = R"({"type":"object"})";
  u = s().datasets.update_dataset("t1", "ds1", all, std::nullopt);
  ASSERT_TRUE(u);
  EXPECT_EQ(u->etag, 3);
  EXPECT_EQ(u->name, "n2");
  EXPECT_TRUE(u->tags.empty());
  EXPECT_EQ(u->schema_json, R"({"type":"object"})");
  EXPECT_EQ(u->description, "new");
  VAULT_EXPECT_KIND(s().datasets.update_dataset("t1", "nope", p, std::nullopt), ErrorKind::DatasetNotFound);
}

TEST_P(DatasetStoreConformance, DatasetPiiPolicyRoundTrips) {
  tenant("t1");
  Dataset d;
  d.id = "ds1";
  d.tenant_id = "t1";
  d.name = "one";
  d.pii_policy = R"({"action":"reject"})";
  auto created = s().datasets.create_dataset(d);
  ASSERT_TRUE(created);
  EXPECT_EQ(created->pii_policy, d.pii_policy);
  DatasetPatch p;
  p.pii_policy = R"({"action":"flag"})";
  auto upd = s().datasets.update_dataset("t1", "ds1", p, std::nullopt);
  ASSERT_TRUE(upd);
  EXPECT_EQ(upd->pii_policy, *p.pii_policy);
  EXPECT_EQ(s().datasets.get_dataset("t1", "ds1")->pii_policy, *p.pii_policy);
}

}  // namespace vault::storage::conformance
