// Every store conformance suite (tests/conformance), unchanged, against
// every metadata backend: SQLite (a fresh database file per test) and
// PostgreSQL (a fresh schema per test on the server of the CTest fixture
// "services", support/test_services.hpp). The suites define their tests in
// headers, so this is the one translation unit that includes them.
#include "storage/sqlite_stores.hpp"

#include "conformance/cross_aggregate_conformance.hpp"
#include "conformance/dataset_store_conformance.hpp"
#include "conformance/idempotency_store_conformance.hpp"
#include "conformance/job_store_conformance.hpp"
#include "conformance/key_store_conformance.hpp"
#include "conformance/record_store_conformance.hpp"
#include "conformance/store_ops_conformance.hpp"
#include "conformance/tenant_store_conformance.hpp"
#include "conformance/token_store_conformance.hpp"
#include "conformance/version_store_conformance.hpp"
#include "support/test_services.hpp"
#include "support/temp_dir.hpp"
#include "vault/storage/factory.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <mutex>

namespace vault::storage {
namespace {

using namespace conformance;  // the suites

std::unique_ptr<MetadataBackend> fresh_sqlite_backend() {
  static std::mutex mu;
  std::filesystem::path path;
  {
    std::lock_guard lk(mu);
    path = testing::process_temp_dir().fresh("meta") / "meta.db";
  }
  auto b = open_metadata_store("sqlite://" + path.string());
  EXPECT_TRUE(b) << b.error().message();
  return b ? std::move(*b) : nullptr;
}

std::unique_ptr<MetadataBackend> fresh_pg_backend(const MetadataStoreOptions& o = {}) {
  auto b = open_metadata_store(testing::fresh_pg_schema_url(), o);
  EXPECT_TRUE(b) << b.error().message();
  return b ? std::move(*b) : nullptr;
}

const MetadataBackendParam kSqlite{"sqlite", fresh_sqlite_backend};
const MetadataBackendParam kPostgres{"postgres", [] { return fresh_pg_backend(); }};
#define VAULT_CONFORMANCE(suite)                                                                        \
  INSTANTIATE_TEST_SUITE_P(Sqlite, suite, ::testing::Values(kSqlite), conformance::MetadataBackendParamName); \
  INSTANTIATE_TEST_SUITE_P(Postgres, suite, ::testing::Values(kPostgres), conformance::MetadataBackendParamName)
VAULT_CONFORMANCE(StoreOpsConformance);
VAULT_CONFORMANCE(TenantStoreConformance);
VAULT_CONFORMANCE(DatasetStoreConformance);
VAULT_CONFORMANCE(RecordStoreConformance);
VAULT_CONFORMANCE(VersionStoreConformance);
VAULT_CONFORMANCE(KeyStoreConformance);
VAULT_CONFORMANCE(JobStoreConformance);
VAULT_CONFORMANCE(TokenStoreConformance);
VAULT_CONFORMANCE(IdempotencyStoreConformance);
VAULT_CONFORMANCE(CrossAggregateConformance);
#undef VAULT_CONFORMANCE

}  // namespace
}  // namespace vault::storage
