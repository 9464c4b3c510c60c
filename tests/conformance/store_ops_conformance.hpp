#pragma once
/// Conformance suite of StoreOps: ping, schema_version, close (stores.hpp, store_ops.hpp).
/// Fixture, helpers and how to instantiate: store_conformance.hpp.
#include "conformance/store_conformance.hpp"

namespace vault::storage::conformance {

class StoreOpsConformance : public StoreConformance {};

TEST_P(StoreOpsConformance, PingAndSchemaVersion) {
  EXPECT_TRUE(s().ops.ping());
  EXPECT_GE(s().ops.schema_version(), 1);
}

TEST_P(StoreOpsConformance, ClosedStoreFailsWithDatabase) {
  tenant("t1");
  s().ops.close();
  VAULT_EXPECT_KIND(s().tenants.get_tenant("t1"), ErrorKind::Database);
  VAULT_EXPECT_KIND(s().tenants.create_tenant(Tenant{"t2", "n2", "active", 1}), ErrorKind::Database);
  VAULT_EXPECT_KIND(s().ops.ping(), ErrorKind::Database);
}

TEST_P(StoreOpsConformance, CloseReachesEveryAggregateOfTheBackend) {
  tenant("t1");
  dataset("t1", "ds1", "one");
  EXPECT_EQ(&backend_->stores(), &s());  // one bundle for the backend's lifetime
  s().ops.close();
  VAULT_EXPECT_KIND(s().tenants.count_api_keys(), ErrorKind::Database);
  VAULT_EXPECT_KIND(s().datasets.get_dataset("t1", "ds1"), ErrorKind::Database);
  VAULT_EXPECT_KIND(s().records.get_record("t1", "ds1", "r"), ErrorKind::Database);
  VAULT_EXPECT_KIND(s().records.write_records("t1", "ds1", {w(Op::Insert, "r", "x")}), ErrorKind::Database);
  VAULT_EXPECT_KIND(s().versions.list_versions("t1", "ds1"), ErrorKind::Database);
  VAULT_EXPECT_KIND(s().keys.list_data_keys("t1", "ds1"), ErrorKind::Database);
  VAULT_EXPECT_KIND(s().keys.list_tenant_key_names("t1"), ErrorKind::Database);
  VAULT_EXPECT_KIND(s().jobs.list_running_key_jobs(), ErrorKind::Database);
  VAULT_EXPECT_KIND(s().tokens.find_pii_token("t1", "vh"), ErrorKind::Database);
  VAULT_EXPECT_KIND(s().idempotency.get_idempotency("t1", "k"), ErrorKind::Database);
  VAULT_EXPECT_KIND(s().idempotency.purge_idempotency(0), ErrorKind::Database);
}

}  // namespace vault::storage::conformance
