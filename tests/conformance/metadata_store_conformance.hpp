#pragma once
/// Conformance suite for the stores of a vault::storage::MetadataBackend.
/// Every backend (SQLite, PostgreSQL, ...) must pass it unchanged.
/// Instantiate with
///
///   INSTANTIATE_TEST_SUITE_P(Sqlite, StoreConformance,
///       ::testing::Values(MetadataBackendParam{"sqlite", [] { return ...fresh backend...; }}),
///       MetadataBackendParamName);
///
/// The factory must return a fresh, empty backend for every call.
#include "vault/storage/stores.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <functional>
#include <ostream>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace vault::storage::conformance {

struct MetadataBackendParam {
  std::string name;
  std::function<std::unique_ptr<MetadataBackend>()> make;
};
inline void PrintTo(const MetadataBackendParam& p, std::ostream* os) { *os << p.name; }
inline std::string MetadataBackendParamName(const ::testing::TestParamInfo<MetadataBackendParam>& i) {
  return i.param.name;
}

/// The base of every store conformance suite: a fresh backend per test and
/// helpers that create tenants, datasets and records through the stores.
class StoreConformance : public ::testing::TestWithParam<MetadataBackendParam> {
 protected:
  using Op = RecordWrite::Op;

  void SetUp() override {
    backend_ = GetParam().make();
    ASSERT_TRUE(backend_);
  }
  void TearDown() override {
    if (backend_) backend_->stores().ops.close();
  }
  /// The backend's stores: s().tenants, s().records, ...
  const Stores& s() { return backend_->stores(); }

  void tenant(const std::string& id) {
    ASSERT_TRUE(s().tenants.create_tenant(Tenant{id, "name-" + id, "active", 1000}));
  }
  Dataset dataset(const std::string& tenant_id, const std::string& id, const std::string& name,
                  std::vector<std::string> tags = {}) {
    Dataset d;
    d.id = id;
    d.tenant_id = tenant_id;
    d.name = name;
    d.description = "about " + name;
    d.tags = std::move(tags);
    d.created_at = d.updated_at = 1700000000000000;
    auto r = s().datasets.create_dataset(d);
    EXPECT_TRUE(r) << r.error().message();
    return r ? *r : Dataset{};
  }
  static RecordWrite w(Op op, std::string id, std::string payload = {},
                       std::optional<std::int64_t> expected = std::nullopt) {
    return RecordWrite{op, std::move(id), std::move(payload), expected};
  }
  std::vector<RecordWriteResult> ok_write(const std::string& ds, std::vector<RecordWrite> ws,
                                          const std::string& t = "t1") {
    auto r = s().records.write_records(t, ds, std::move(ws));
    EXPECT_TRUE(r) << r.error().message();
    return r ? *r : std::vector<RecordWriteResult>{};
  }
  /// All live records (now or as of), following next_after with `page` items per call.
  std::vector<Record> all(const std::string& ds, std::optional<Seq> as_of = std::nullopt, int page = 1000,
                          const std::string& t = "t1") {
    std::vector<Record> out;
    std::optional<Seq> after;
    for (int guard = 0; guard < 100000; ++guard) {
      auto p = s().records.list_records(t, ds, as_of, after, page);
      EXPECT_TRUE(p) << p.error().message();
      if (!p) break;
      EXPECT_LE(static_cast<int>(p->items.size()), page);
      for (auto& r : p->items) out.push_back(std::move(r));
      if (!p->next_after) break;
      EXPECT_EQ(*p->next_after, out.back().created_seq);
      after = p->next_after;
    }
    return out;
  }
  static std::vector<std::string> ids(const std::vector<Record>& rs) {
    std::vector<std::string> out;
    for (auto& r : rs) out.push_back(r.id);
    return out;
  }
  static std::vector<std::string> ids(const std::vector<Dataset>& ds) {
    std::vector<std::string> out;
    for (auto& d : ds) out.push_back(d.id);
    return out;
  }

  static DatasetPatch status_patch(const std::string& status) {
    DatasetPatch p;
    p.status = status;
    return p;
  }
  static DatasetPatch description_patch(const std::string& d) {
    DatasetPatch p;
    p.description = d;
    return p;
  }
  static Version version(const std::string& ds, Seq seq) {
    Version v;
    v.dataset_id = ds;
    v.seq = seq;
    return v;
  }
  static DatasetFilter filter(std::optional<std::string> tag, std::optional<std::string> status = {},
                              std::optional<std::string> prefix = {}, std::optional<std::string> after = {},
                              int limit = 100) {
    DatasetFilter f;
    f.tag = std::move(tag);
    f.status = std::move(status);
    f.name_prefix = std::move(prefix);
    f.after_id = std::move(after);
    f.limit = limit;
    return f;
  }

  std::unique_ptr<MetadataBackend> backend_;
};

#ifndef VAULT_EXPECT_KIND
#define VAULT_EXPECT_KIND(expr, k)                                        \
  do {                                                                    \
    auto vault_r_ = (expr);                                               \
    ASSERT_FALSE(vault_r_) << #expr " unexpectedly succeeded";            \
    EXPECT_EQ(vault_r_.error().kind(), (k)) << vault_r_.error().message(); \
  } while (0)
#endif

// ---------------------------------------------------------------- operations

TEST_P(StoreConformance, PingAndSchemaVersion) {
  EXPECT_TRUE(s().ops.ping());
  EXPECT_GE(s().ops.schema_version(), 1);
}

TEST_P(StoreConformance, ClosedStoreFailsWithDatabase) {
  tenant("t1");
  s().ops.close();
  VAULT_EXPECT_KIND(s().tenants.get_tenant("t1"), ErrorKind::Database);
  VAULT_EXPECT_KIND(s().tenants.create_tenant(Tenant{"t2", "n2", "active", 1}), ErrorKind::Database);
  VAULT_EXPECT_KIND(s().ops.ping(), ErrorKind::Database);
}

// ---------------------------------------------------------------- tenants and keys

TEST_P(StoreConformance, TenantsCreateGetListAndConflicts) {
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

TEST_P(StoreConformance, ApiKeysFindListRevokeCount) {
  tenant("t1");
  tenant("t2");
  ApiKey k{"k1", "t1", "ci", Role::Writer, std::string(64, 'a'), "vk_abc", 10, false, {}};
  ASSERT_TRUE(s().tenants.create_api_key(k));
  ASSERT_TRUE(s().tenants.create_api_key(ApiKey{"k2", "t2", "ops", Role::Admin, std::string(64, 'b'), "vk_def", 11, false, {}}));
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

TEST_P(StoreConformance, RoleNamesRoundTrip) {
  for (Role r : {Role::Reader, Role::Writer, Role::Admin}) EXPECT_EQ(parse_role(role_name(r)), r);
  EXPECT_FALSE(parse_role("root"));
}

// ---------------------------------------------------------------- datasets

TEST_P(StoreConformance, CreateDatasetReturnsStoredRow) {
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

TEST_P(StoreConformance, TagsAreStoredWithoutAnInBandSeparator) {
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

TEST_P(StoreConformance, DatasetNameUniquePerTenant) {
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

TEST_P(StoreConformance, TenantBCannotSeeOrTouchTenantA) {
  tenant("t1");
  tenant("t2");
  dataset("t1", "ds1", "secret");
  ok_write("ds1", {w(Op::Insert, "r1", "x")});
  Version v;
  v.dataset_id = "ds1";
  v.seq = 1;
  ASSERT_TRUE(s().versions.create_version("t1", v));

  VAULT_EXPECT_KIND(s().datasets.get_dataset("t2", "ds1"), ErrorKind::DatasetNotFound);
  VAULT_EXPECT_KIND(s().datasets.update_dataset("t2", "ds1", description_patch("pwn"), std::nullopt),
                    ErrorKind::DatasetNotFound);
  VAULT_EXPECT_KIND(s().datasets.delete_dataset("t2", "ds1"), ErrorKind::DatasetNotFound);
  VAULT_EXPECT_KIND(s().records.write_records("t2", "ds1", {w(Op::Upsert, "r1", "y")}), ErrorKind::DatasetNotFound);
  VAULT_EXPECT_KIND(s().records.get_record("t2", "ds1", "r1"), ErrorKind::DatasetNotFound);
  VAULT_EXPECT_KIND(s().records.get_record("t2", "ds1", "r1", 1), ErrorKind::DatasetNotFound);
  VAULT_EXPECT_KIND(s().records.list_records("t2", "ds1", std::nullopt, std::nullopt, 10), ErrorKind::DatasetNotFound);
  VAULT_EXPECT_KIND(s().versions.create_version("t2", v), ErrorKind::DatasetNotFound);
  VAULT_EXPECT_KIND(s().versions.list_versions("t2", "ds1"), ErrorKind::DatasetNotFound);
  VAULT_EXPECT_KIND(s().versions.get_version("t2", "ds1", 1), ErrorKind::DatasetNotFound);
  auto l = s().datasets.list_datasets("t2", DatasetFilter{});
  ASSERT_TRUE(l);
  EXPECT_TRUE(l->empty());

  // Nothing changed for the owner.
  auto d = s().datasets.get_dataset("t1", "ds1");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->description, "about secret");
  EXPECT_EQ(d->etag, 1);
  EXPECT_EQ(d->seq, 1);
  EXPECT_EQ(d->version_count, 1);
  auto r = s().records.get_record("t1", "ds1", "r1");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->payload, "x");
}

TEST_P(StoreConformance, ListDatasetsFilterAndPagination) {
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

TEST_P(StoreConformance, UpdateDatasetPatchAndEtag) {
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

TEST_P(StoreConformance, ArchivedDatasetRefusesWritesButServesReads) {
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

TEST_P(StoreConformance, DeleteDatasetRemovesRecordsAndVersions) {
  tenant("t1");
  dataset("t1", "ds1", "n");
  ok_write("ds1", {w(Op::Insert, "r1", "a"), w(Op::Insert, "r2", "b")});
  ASSERT_TRUE(s().versions.create_version("t1", version("ds1", 2)));
  ASSERT_TRUE(s().datasets.delete_dataset("t1", "ds1"));
  VAULT_EXPECT_KIND(s().datasets.get_dataset("t1", "ds1"), ErrorKind::DatasetNotFound);
  VAULT_EXPECT_KIND(s().datasets.delete_dataset("t1", "ds1"), ErrorKind::DatasetNotFound);
  VAULT_EXPECT_KIND(s().records.get_record("t1", "ds1", "r1"), ErrorKind::DatasetNotFound);
  // The id and the name are free again, and the new dataset starts empty.
  auto d = dataset("t1", "ds1", "n");
  EXPECT_EQ(d.seq, 0);
  EXPECT_EQ(d.record_count, 0);
  EXPECT_TRUE(all("ds1").empty());
  VAULT_EXPECT_KIND(s().records.get_record("t1", "ds1", "r1"), ErrorKind::RecordNotFound);
  auto v = s().versions.list_versions("t1", "ds1");
  ASSERT_TRUE(v);
  EXPECT_TRUE(v->empty());
}

// ---------------------------------------------------------------- records

TEST_P(StoreConformance, WriteAssignsConsecutiveSeqsInOrder) {
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
  VAULT_EXPECT_KIND(s().records.write_records("t1", "nope", {w(Op::Insert, "a", "1")}), ErrorKind::DatasetNotFound);
}

TEST_P(StoreConformance, WriteBatchIsAllOrNothing) {
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

TEST_P(StoreConformance, RevisionsAndEtags) {
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
  VAULT_EXPECT_KIND(s().records.write_records("t1", "ds1", {w(Op::Replace, "r", "x", 1)}), ErrorKind::ConcurrentModification);
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

  VAULT_EXPECT_KIND(s().records.write_records("t1", "ds1", {w(Op::Delete, "r", "", 3)}), ErrorKind::ConcurrentModification);
  r = ok_write("ds1", {w(Op::Delete, "r", "", 4)});
  EXPECT_EQ(r[0].revision, 4);  // the revision that was removed
  EXPECT_EQ(r[0].seq, 6);
  EXPECT_FALSE(r[0].created);
  VAULT_EXPECT_KIND(s().records.get_record("t1", "ds1", "r"), ErrorKind::RecordNotFound);
  VAULT_EXPECT_KIND(s().records.get_record("t1", "ds1", "never"), ErrorKind::RecordNotFound);
}

TEST_P(StoreConformance, SameIdSeveralTimesInOneBatch) {
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

TEST_P(StoreConformance, DeleteAndRecreateAnId) {
  tenant("t1");
  dataset("t1", "ds1", "n");
  ok_write("ds1", {w(Op::Insert, "a", "a1"), w(Op::Insert, "b", "b1"), w(Op::Insert, "c", "c1")});
  ok_write("ds1", {w(Op::Delete, "a")});                          // seq 4
  VAULT_EXPECT_KIND(s().records.write_records("t1", "ds1", {w(Op::Delete, "a")}), ErrorKind::RecordNotFound);
  VAULT_EXPECT_KIND(s().records.write_records("t1", "ds1", {w(Op::Replace, "a", "x")}), ErrorKind::RecordNotFound);
  auto r = ok_write("ds1", {w(Op::Insert, "a", "a2")});           // seq 5: no Conflict, a new incarnation
  ASSERT_EQ(r.size(), 1u);
  EXPECT_TRUE(r[0].created);
  // Revisions continue across the delete, so an old ETag never matches the new record.
  EXPECT_EQ(r[0].revision, 2);
  VAULT_EXPECT_KIND(s().records.write_records("t1", "ds1", {w(Op::Replace, "a", "x", 1)}), ErrorKind::ConcurrentModification);
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

TEST_P(StoreConformance, ListRecordsOrderAndPagination) {
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

TEST_P(StoreConformance, AsOfReadsAreStableWhileLaterWritesHappen) {
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

// ---------------------------------------------------------------- versions

TEST_P(StoreConformance, VersionsAreNumberedPerDataset) {
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

// ---------------------------------------------------------------- idempotency

TEST_P(StoreConformance, IdempotencyPutOnceGetPurge) {
  IdempotencyEntry e{"t1", "key-1", "h1", 201, R"({"ETag":"1"})", std::string("body\0bin", 8), 1000};
  auto p = s().idempotency.put_idempotency(e);
  ASSERT_TRUE(p) << p.error().message();
  EXPECT_EQ(p->request_hash, "h1");
  EXPECT_EQ(p->body, e.body);
  // A second put for the same (tenant, key) keeps and returns the first entry.
  IdempotencyEntry e2 = e;
  e2.request_hash = "h2";
  e2.status = 500;
  e2.body = "other";
  e2.created_at = 2000;
  p = s().idempotency.put_idempotency(e2);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->request_hash, "h1");
  EXPECT_EQ(p->status, 201);
  EXPECT_EQ(p->body, e.body);
  EXPECT_EQ(p->headers_json, R"({"ETag":"1"})");
  EXPECT_EQ(p->created_at, 1000);
  // Another tenant's same key is a different entry.
  IdempotencyEntry e3 = e2;
  e3.tenant_id = "t2";
  p = s().idempotency.put_idempotency(e3);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->request_hash, "h2");

  auto g = s().idempotency.get_idempotency("t1", "key-1");
  ASSERT_TRUE(g);
  ASSERT_TRUE(g->has_value());
  EXPECT_EQ((*g)->status, 201);
  EXPECT_EQ((*g)->body, e.body);
  auto none = s().idempotency.get_idempotency("t1", "key-2");
  ASSERT_TRUE(none);
  EXPECT_FALSE(none->has_value());

  auto purged = s().idempotency.purge_idempotency(1500);  // removes t1's entry (created 1000), keeps t2's (2000)
  ASSERT_TRUE(purged);
  EXPECT_EQ(*purged, 1);
  g = s().idempotency.get_idempotency("t1", "key-1");
  ASSERT_TRUE(g);
  EXPECT_FALSE(g->has_value());
  g = s().idempotency.get_idempotency("t2", "key-1");
  ASSERT_TRUE(g);
  EXPECT_TRUE(g->has_value());
  // After the purge the key can be stored again.
  p = s().idempotency.put_idempotency(e2);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->request_hash, "h2");
  purged = s().idempotency.purge_idempotency(1000);
  ASSERT_TRUE(purged);
  EXPECT_EQ(*purged, 0);
}

// ---------------------------------------------------------------- concurrency

TEST_P(StoreConformance, ConcurrentWritersAllCommitWithUniqueSeqs) {
  tenant("t1");
  dataset("t1", "ds1", "n");
  constexpr int kThreads = 16, kPerThread = 200;
  std::vector<std::vector<Seq>> seqs(kThreads);
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        auto r = s().records.write_records("t1", "ds1",
                                   {w(Op::Insert, "t" + std::to_string(t) + "-" + std::to_string(i), "p")});
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

TEST_P(StoreConformance, ConcurrentConflictingInsertsFailAlone) {
  tenant("t1");
  dataset("t1", "ds1", "n");
  constexpr int kThreads = 8, kIds = 60;
  std::atomic<int> created{0}, conflicts{0}, other{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < kIds; ++i) {
        // Each call: one contested id plus one id only this thread writes.
        auto r = s().records.write_records("t1", "ds1", {w(Op::Insert, "own-" + std::to_string(t) + "-" + std::to_string(i), "o"),
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

TEST_P(StoreConformance, ReadsDoNotBlockDuringALongWriteBatch) {
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

TEST_P(StoreConformance, DataKeysAreScopedVersionedAndShreddedWithTheDataset) {
  tenant("t1");
  tenant("t2");
  dataset("t1", "ds1", "keys");
  DataKey k{"t1", "ds1", 1, "kek-t1", 1, std::string("\x00\x01wrapped\xff", 10), "active", 0};
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
  rewrapped.state = "decrypt_only";
  ASSERT_TRUE(s().keys.update_data_key(rewrapped));
  keys = s().keys.list_data_keys("t1", "ds1");
  EXPECT_EQ((*keys)[0].kek_version, 2);
  EXPECT_EQ((*keys)[0].wrapped, "rewrapped");
  EXPECT_EQ((*keys)[0].state, "decrypt_only");
  DataKey missing = k;
  missing.version = 9;
  VAULT_EXPECT_KIND(s().keys.update_data_key(missing), ErrorKind::ResourceNotFound);
  DataKey bad_state = k;
  bad_state.state = "whatever";
  EXPECT_FALSE(s().keys.update_data_key(bad_state));

  // Deleting the dataset destroys its wrapped keys (crypto-shredding).
  ASSERT_TRUE(s().datasets.delete_dataset("t1", "ds1"));
  dataset("t1", "ds1", "keys");  // same id again: starts without keys
  keys = s().keys.list_data_keys("t1", "ds1");
  ASSERT_TRUE(keys);
  EXPECT_TRUE(keys->empty());
}

TEST_P(StoreConformance, QuarantinedRevisionsAreFilteredAndCarryFindings) {
  tenant("t1");
  dataset("t1", "ds1", "one");
  RecordWrite q = w(Op::Insert, "q", "secret");
  q.quarantined = true;
  q.findings = R"({"counts":{"EMAIL_ADDRESS":1}})";
  ok_write("ds1", {w(Op::Insert, "a", "1"), q, w(Op::Insert, "b", "2")});
  EXPECT_EQ(ids(all("ds1")), (std::vector<std::string>{"a", "b"}));
  auto only = s().records.list_records("t1", "ds1", std::nullopt, std::nullopt, 10, RecordFilter::Quarantined);
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

TEST_P(StoreConformance, DatasetPiiPolicyAndKeyPermissionsRoundTrip) {
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

  ApiKey k{"k1", "t1", "ci", Role::Reader, std::string(64, 'a'), "vk_abc", 10, false, {"pii:detokenize"}};
  ASSERT_TRUE(s().tenants.create_api_key(k));
  auto found = s().tenants.find_api_key_by_hash(k.key_hash);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->permissions, (std::vector<std::string>{"pii:detokenize"}));
}

TEST_P(StoreConformance, PiiTokensOneTokenPerValueAndTenantScoped) {
  tenant("t1");
  tenant("t2");
  PiiToken t{"t1", "tok_a", "hash1", "EMAIL_ADDRESS", std::string("\x00sealed", 8), 0};
  auto put = s().tokens.put_pii_token(t);
  ASSERT_TRUE(put) << put.error().message();
  EXPECT_EQ(put->token, "tok_a");
  EXPECT_GT(put->created_at, 0);
  // The same value hash keeps its first token.
  PiiToken again = t;
  again.token = "tok_b";
  auto second = s().tokens.put_pii_token(again);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->token, "tok_a");
  auto found = s().tokens.find_pii_token("t1", "hash1");
  ASSERT_TRUE(found);
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->sealed, t.sealed);
  auto none = s().tokens.find_pii_token("t2", "hash1");
  ASSERT_TRUE(none);
  EXPECT_FALSE(none->has_value());
  auto got = s().tokens.get_pii_token("t1", "tok_a");
  ASSERT_TRUE(got);
  EXPECT_EQ(got->entity, "EMAIL_ADDRESS");
  VAULT_EXPECT_KIND(s().tokens.get_pii_token("t2", "tok_a"), ErrorKind::ResourceNotFound);
  VAULT_EXPECT_KIND(s().tokens.get_pii_token("t1", "tok_b"), ErrorKind::ResourceNotFound);
}

// ---------------------------------------------------------------- named tenant keys

TEST_P(StoreConformance, TenantKeysAreVersionedPerNameAndTenantScoped) {
  TenantKeyConfig cfg{"t1", "orders", "aes256-gcm96", 1, false, 0, 0};
  TenantKey v1{"t1", "orders", 1, std::string("\x01\x00wrapped-1\xff", 12), "active", 0};
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
  EXPECT_FALSE(s().keys.create_tenant_key(TenantKeyConfig{"t1", "other", "aes256-gcm96", 1, false, 0, 0}, bad_first));

  auto keys = s().keys.list_tenant_keys("t1", "orders");
  ASSERT_TRUE(keys) << keys.error().message();
  ASSERT_EQ(keys->size(), 2u);
  EXPECT_EQ((*keys)[0].version, 1);
  EXPECT_EQ((*keys)[0].wrapped, v1.wrapped);  // binary-safe
  EXPECT_EQ((*keys)[0].state, "active");
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
  VAULT_EXPECT_KIND(s().keys.put_tenant_key(TenantKey{"t2", "orders", 3, "x", "active", 0}),
                    ErrorKind::ResourceNotFound);
  TenantKeyConfig cfg2{"t2", "orders", "aes256-gcm96", 1, false, 0, 0};
  ASSERT_TRUE(s().keys.create_tenant_key(cfg2, TenantKey{"t2", "orders", 1, "t2-wrapped", "active", 0}));
  EXPECT_EQ(s().keys.list_tenant_keys("t1", "orders")->size(), 2u);
  EXPECT_EQ(s().keys.list_tenant_keys("t2", "orders")->front().wrapped, "t2-wrapped");

  // Names are listed sorted, per tenant.
  ASSERT_TRUE(s().keys.create_tenant_key(TenantKeyConfig{"t1", "_anonymization", "aes256-gcm96", 1, false, 0, 0},
                                    TenantKey{"t1", "_anonymization", 1, "anon", "active", 0}));
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

TEST_P(StoreConformance, TenantKeyConfigRewrapAndDelete) {
  TenantKeyConfig cfg{"t1", "k", "aes256-gcm96", 1, false, 0, 0};
  ASSERT_TRUE(s().keys.create_tenant_key(cfg, TenantKey{"t1", "k", 1, "w1", "active", 0}));
  ASSERT_TRUE(s().keys.put_tenant_key(TenantKey{"t1", "k", 2, "w2", "active", 0}));

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
  ASSERT_TRUE(s().keys.update_tenant_key(TenantKey{"t1", "k", 1, "rewrapped", "retired", 0}));
  auto keys = s().keys.list_tenant_keys("t1", "k");
  ASSERT_TRUE(keys);
  EXPECT_EQ((*keys)[0].wrapped, "rewrapped");
  EXPECT_EQ((*keys)[0].state, "retired");
  EXPECT_EQ((*keys)[1].wrapped, "w2");
  VAULT_EXPECT_KIND(s().keys.update_tenant_key(TenantKey{"t1", "k", 9, "x", "active", 0}),
                    ErrorKind::ResourceNotFound);
  VAULT_EXPECT_KIND(s().keys.update_tenant_key(TenantKey{"t2", "k", 1, "x", "active", 0}),
                    ErrorKind::ResourceNotFound);
  EXPECT_FALSE(s().keys.update_tenant_key(TenantKey{"t1", "k", 1, "x", "whatever", 0}));

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
  ASSERT_TRUE(s().keys.create_tenant_key(cfg, TenantKey{"t1", "k", 1, "fresh", "active", 0}));
  EXPECT_EQ(s().keys.list_tenant_keys("t1", "k")->size(), 1u);
}

TEST_P(StoreConformance, ConcurrentTenantKeyCreationHasOneWinner) {
  constexpr int kThreads = 8;
  std::atomic<int> created{0}, conflicts{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i)
    threads.emplace_back([&, i] {
      auto r = s().keys.create_tenant_key(TenantKeyConfig{"t1", "race", "aes256-gcm96", 1, false, 0, 0},
                                     TenantKey{"t1", "race", 1, "w" + std::to_string(i), "active", 0});
      if (r) ++created;
      else if (r.error().kind() == ErrorKind::Conflict) ++conflicts;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(created.load(), 1);
  EXPECT_EQ(conflicts.load(), kThreads - 1);
  EXPECT_EQ(s().keys.list_tenant_keys("t1", "race")->size(), 1u);
}

// ---------------------------------------------------------- key rotation support

TEST_P(StoreConformance, RecordRevisionsListEveryRevisionInSeqOrder) {
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

TEST_P(StoreConformance, RewritePayloadInPlaceIsCompareAndSwap) {
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
  VAULT_EXPECT_KIND(s().records.rewrite_record_payload("t1", "ds1", "a", 999, "x", "y"), ErrorKind::RecordNotFound);
  VAULT_EXPECT_KIND(s().records.rewrite_record_payload("t1", "ds1", "zz", s1, "new-1", "y"), ErrorKind::RecordNotFound);
  VAULT_EXPECT_KIND(s().records.rewrite_record_payload("t2", "ds1", "a", s1, "new-1", "y"), ErrorKind::DatasetNotFound);

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

TEST_P(StoreConformance, RewritePayloadsInOneBatchSkipsStaleOnes) {
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

TEST_P(StoreConformance, KeyJobsOneRunningPerTenantAndResumable) {
  tenant("t1");
  tenant("t2");
  KeyJob j;
  j.id = "job1";
  j.tenant_id = "t1";
  j.type = "kek_rotation";
  j.from_version = 1;
  j.to_version = 2;
  j.total = 10;
  ASSERT_TRUE(s().jobs.create_key_job(j));
  KeyJob second = j;
  second.id = "job2";
  second.type = "dek_rotation";
  second.dataset_id = "ds1";
  VAULT_EXPECT_KIND(s().jobs.create_key_job(second), ErrorKind::Conflict);  // one running per tenant
  KeyJob other = j;
  other.id = "job3";
  other.tenant_id = "t2";
  ASSERT_TRUE(s().jobs.create_key_job(other));  // another tenant is independent

  auto running = s().jobs.list_running_key_jobs();
  ASSERT_TRUE(running);
  EXPECT_EQ(running->size(), 2u);

  j.done = 7;
  j.cursor = "ds_x";
  ASSERT_TRUE(s().jobs.update_key_job(j));
  auto got = s().jobs.get_key_job("t1", "job1");
  ASSERT_TRUE(got) << got.error().message();
  EXPECT_EQ(got->done, 7);
  EXPECT_EQ(got->cursor, "ds_x");
  EXPECT_EQ(got->total, 10);
  EXPECT_EQ(got->to_version, 2);
  EXPECT_EQ(got->state, "running");
  EXPECT_GT(got->created_at, 0);
  VAULT_EXPECT_KIND(s().jobs.get_key_job("t2", "job1"), ErrorKind::ResourceNotFound);
  KeyJob foreign = j;
  foreign.tenant_id = "t2";
  VAULT_EXPECT_KIND(s().jobs.update_key_job(foreign), ErrorKind::ResourceNotFound);
  KeyJob bad = j;
  bad.state = "paused";
  EXPECT_FALSE(s().jobs.update_key_job(bad));

  j.state = "succeeded";
  j.done = 10;
  ASSERT_TRUE(s().jobs.update_key_job(j));
  ASSERT_TRUE(s().jobs.create_key_job(second));  // the tenant is free again
  auto list = s().jobs.list_key_jobs("t1", 10);
  ASSERT_TRUE(list);
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].id, "job2");  // newest first
  EXPECT_EQ((*list)[0].dataset_id, "ds1");
  EXPECT_EQ((*list)[1].state, "succeeded");
  EXPECT_EQ(s().jobs.list_key_jobs("t1", 1)->size(), 1u);
  running = s().jobs.list_running_key_jobs();
  ASSERT_TRUE(running);
  EXPECT_EQ(running->size(), 2u);  // job2 and job3
}

TEST_P(StoreConformance, DeleteTenantRemovesEverythingItOwnsAndNothingElse) {
  tenant("t1");
  tenant("t2");
  dataset("t1", "ds1", "one");
  dataset("t1", "ds2", "two");
  dataset("t2", "ds3", "three");
  ok_write("ds1", {w(Op::Insert, "a", "1")});
  ok_write("ds3", {w(Op::Insert, "c", "3")}, "t2");
  ASSERT_TRUE(s().keys.put_data_key(DataKey{"t1", "ds1", 1, "kek", 1, "w1", "active", 0}));
  ASSERT_TRUE(s().keys.put_data_key(DataKey{"t2", "ds3", 1, "kek", 1, "w3", "active", 0}));
  ASSERT_TRUE(s().tenants.create_api_key(ApiKey{"k1", "t1", "a", Role::Admin, std::string(64, '1'), "p", 1, false, {}}));
  ASSERT_TRUE(s().tenants.create_api_key(ApiKey{"k2", "t2", "a", Role::Admin, std::string(64, '2'), "p", 1, false, {}}));
  ASSERT_TRUE(s().idempotency.put_idempotency(IdempotencyEntry{"t1", "idem", "h", 201, "{}", "body", 0}));
  ASSERT_TRUE(s().idempotency.put_idempotency(IdempotencyEntry{"t2", "idem", "h", 201, "{}", "body", 0}));
  ASSERT_TRUE(s().tokens.put_pii_token(PiiToken{"t1", "tok_1", "vh", "EMAIL_ADDRESS", "sealed", 0}));
  KeyJob j;
  j.id = "job1";
  j.tenant_id = "t1";
  j.type = "kek_rotation";
  ASSERT_TRUE(s().jobs.create_key_job(j));

  ASSERT_TRUE(s().tenants.delete_tenant("t1"));
  VAULT_EXPECT_KIND(s().tenants.get_tenant("t1"), ErrorKind::TenantNotFound);
  VAULT_EXPECT_KIND(s().datasets.get_dataset("t1", "ds1"), ErrorKind::DatasetNotFound);
  VAULT_EXPECT_KIND(s().datasets.get_dataset("t1", "ds2"), ErrorKind::DatasetNotFound);
  VAULT_EXPECT_KIND(s().tenants.find_api_key_by_hash(std::string(64, '1')), ErrorKind::ApiKeyNotFound);
  EXPECT_FALSE(s().idempotency.get_idempotency("t1", "idem")->has_value());
  EXPECT_FALSE(s().tokens.find_pii_token("t1", "vh")->has_value());
  VAULT_EXPECT_KIND(s().jobs.get_key_job("t1", "job1"), ErrorKind::ResourceNotFound);
  VAULT_EXPECT_KIND(s().tenants.delete_tenant("t1"), ErrorKind::TenantNotFound);
  // A tenant re-created under the same id starts empty (no keys of the old one).
  tenant("t1");
  dataset("t1", "ds1", "one");
  EXPECT_TRUE(s().keys.list_data_keys("t1", "ds1")->empty());
  EXPECT_TRUE(all("ds1").empty());

  // The other tenant is untouched.
  EXPECT_TRUE(s().tenants.get_tenant("t2"));
  EXPECT_EQ(all("ds3", std::nullopt, 1000, "t2").size(), 1u);
  EXPECT_EQ(s().keys.list_data_keys("t2", "ds3")->size(), 1u);
  EXPECT_TRUE(s().tenants.find_api_key_by_hash(std::string(64, '2')));
  EXPECT_TRUE(s().idempotency.get_idempotency("t2", "idem")->has_value());
}

TEST_P(StoreConformance, SealCallbackGetsTheAssignedRevisionInsideTheWrite) {
  tenant("t1");
  dataset("t1", "ds1", "one");
  auto sealer = [](std::string tag) {
    return [tag](std::int64_t revision) -> Result<std::string> { return tag + "@" + std::to_string(revision); };
  };
  RecordWrite a(Op::Upsert, "r");
  a.seal = sealer("x");
  ok_write("ds1", {std::move(a)});
  RecordWrite b(Op::Upsert, "r");
  b.seal = sealer("y");
  ok_write("ds1", {std::move(b)});
  EXPECT_EQ(s().records.get_record("t1", "ds1", "r")->payload, "y@2");
  // A failing seal fails the whole batch (index of the failing write).
  RecordWrite ok(Op::Insert, "s", "plain");
  RecordWrite bad(Op::Upsert, "r");
  bad.seal = [](std::int64_t) -> Result<std::string> { return fail(ErrorKind::EncryptionOperation, "no"); };
  auto r = s().records.write_records("t1", "ds1", {std::move(ok), std::move(bad)});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind(), ErrorKind::EncryptionOperation);
  EXPECT_EQ(r.error().details().at("index").as_int64(), 1);
  VAULT_EXPECT_KIND(s().records.get_record("t1", "ds1", "s"), ErrorKind::RecordNotFound);
  EXPECT_EQ(s().datasets.get_dataset("t1", "ds1")->record_bytes, 3);
}

}  // namespace vault::storage::conformance
