#pragma once
/// The shared fixture of the store conformance suites (one suite per
/// aggregate interface of vault/storage/stores.hpp, one header each in this
/// directory). Every backend (SQLite, PostgreSQL, ...) must pass every suite
/// unchanged; a new backend can be brought up suite by suite. Instantiate
/// each suite with a factory that returns a fresh, empty backend per call:
///
///   const MetadataBackendParam kSqlite{"sqlite", [] { return ...fresh backend...; }};
///   INSTANTIATE_TEST_SUITE_P(Sqlite, TenantStoreConformance, ::testing::Values(kSqlite),
///                            MetadataBackendParamName);
///   ... likewise StoreOpsConformance, DatasetStoreConformance,
///   RecordStoreConformance, VersionStoreConformance, KeyStoreConformance,
///   JobStoreConformance, TokenStoreConformance, IdempotencyStoreConformance
///   and CrossAggregateConformance.
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

}  // namespace vault::storage::conformance
