#pragma once
/// Conformance suite of What spans aggregates: tenant scoping across datasets, records and
/// versions, and the transactions of delete_dataset (records, versions, data
/// keys) and delete_tenant (everything the tenant owns), see stores.hpp.
/// Fixture, helpers and how to instantiate: store_conformance.hpp.
#include "conformance/store_conformance.hpp"

namespace vault::storage::conformance {

class CrossAggregateConformance : public StoreConformance {};

TEST_P(CrossAggregateConformance, TenantBCannotSeeOrTouchTenantA) {
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
  VAULT_EXPECT_KIND(s().records.write_records("t2", "ds1", {w(Op::Upsert, "r1", "y")}),
                    ErrorKind::DatasetNotFound);
  VAULT_EXPECT_KIND(s().records.get_record("t2", "ds1", "r1"), ErrorKind::DatasetNotFound);
  VAULT_EXPECT_KIND(s().records.get_record("t2", "ds1", "r1", 1), ErrorKind::DatasetNotFound);
  VAULT_EXPECT_KIND(s().records.list_records("t2", "ds1", std::nullopt, std::nullopt, 10),
                    ErrorKind::DatasetNotFound);
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

TEST_P(CrossAggregateConformance, DeleteDatasetRemovesRecordsAndVersions) {
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

TEST_P(CrossAggregateConformance, DeleteTenantRemovesEverythingItOwnsAndNothingElse) {
  tenant("t1");
  tenant("t2");
  dataset("t1", "ds1", "one");
  dataset("t1", "ds2", "two");
  dataset("t2", "ds3", "three");
  ok_write("ds1", {w(Op::Insert, "a", "1")});
  ok_write("ds3", {w(Op::Insert, "c", "3")}, "t2");
  ASSERT_TRUE(s().keys.put_data_key(DataKey{"t1", "ds1", 1, "kek", 1, "w1", DataKeyState::Active, 0}));
  ASSERT_TRUE(s().keys.put_data_key(DataKey{"t2", "ds3", 1, "kek", 1, "w3", DataKeyState::Active, 0}));
  ASSERT_TRUE(s().tenants.create_api_key(
      ApiKey{"k1", "t1", "a", Role::Admin, std::string(64, '1'), "p", 1, false, {}}));
  ASSERT_TRUE(s().tenants.create_api_key(
      ApiKey{"k2", "t2", "a", Role::Admin, std::string(64, '2'), "p", 1, false, {}}));
  ASSERT_TRUE(s().idempotency.put_idempotency(IdempotencyEntry{"t1", "idem", "h", 201, "{}", "body", 0}));
  ASSERT_TRUE(s().idempotency.put_idempotency(IdempotencyEntry{"t2", "idem", "h", 201, "{}", "body", 0}));
  ASSERT_TRUE(s().tokens.put_pii_token(PiiToken{"t1", "tok_1", "vh", "EMAIL_ADDRESS", "sealed", 0}));
  KeyJob j;
  j.id = "job1";
  j.tenant_id = "t1";
  j.type = KeyJobType::KekRotation;
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

}  // namespace vault::storage::conformance
