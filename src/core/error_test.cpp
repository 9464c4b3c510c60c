#include "vault/core/error.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>

namespace vault {
namespace {

TEST(ErrorTable, CodesAreUniqueAndInTheirCategoryRange) {
  std::set<int> seen;
  for (const auto& e : error_table()) {
    const int n = static_cast<int>(e.kind);
    EXPECT_TRUE(seen.insert(n).second) << e.type;
    int lo = 0, hi = 0;
    switch (e.category) {
      case ErrorCategory::Client: lo = 1, hi = 999; break;
      case ErrorCategory::Server: lo = 1000, hi = 1999; break;
      case ErrorCategory::Dependency: lo = 2000, hi = 2999; break;
      case ErrorCategory::Transient: lo = 3000, hi = 3999; break;
      case ErrorCategory::Business: lo = 4000, hi = 4999; break;
      case ErrorCategory::Security: lo = 5000, hi = 5999; break;
      case ErrorCategory::Unknown: lo = 9000, hi = 9999; break;
    }
    EXPECT_GE(n, lo) << e.type;
    EXPECT_LE(n, hi) << e.type;
    EXPECT_TRUE(e.type.ends_with("Error")) << e.type;
    EXPECT_GE(e.http_status, 400);
    EXPECT_LT(e.http_status, 600);
  }
}

TEST(ErrorTable, CodeStringFormat) {
  EXPECT_EQ(error_code_string(ErrorKind::DatasetNotFound), "VAULT_ERR_0021");
  EXPECT_EQ(error_code_string(ErrorKind::Unknown), "VAULT_ERR_9999");
  EXPECT_EQ(error_info(ErrorKind::ConcurrentModification).http_status, 409);
  EXPECT_EQ(error_info(ErrorKind::PayloadTooLarge).http_status, 413);
}

TEST(ErrorTable, DocsAreGeneratedFromTheTable) {
  std::ifstream f(std::string(VAULT_SOURCE_DIR) + "/docs/error-codes.md");
  ASSERT_TRUE(f) << "docs/error-codes.md missing: run build/bin/vault error-codes > docs/error-codes.md";
  std::stringstream ss;
  ss << f.rdbuf();
  EXPECT_EQ(ss.str(), render_error_code_docs())
      << "docs/error-codes.md drifted from src/core/error.cpp: regenerate it with "
         "build/bin/vault error-codes > docs/error-codes.md";
}

TEST(Error, ResultCarriesError) {
  Result<int> r = fail(ErrorKind::RecordNotFound, "no such record", {{"record_id", "rec_1"}});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().http_status(), 404);
  EXPECT_EQ(r.error().details().at("record_id").as_string(), "rec_1");
  Error e(ErrorKind::Database, "db down");
  e.caused_by(Error(ErrorKind::Timeout, "t"));
  EXPECT_EQ(e.details().at("cause").as_string(), "VAULT_ERR_3001");
}

TEST(ErrorClasses, LeafTypesAndTheSpecsGroups) {
  EXPECT_TRUE(error_is_a(ErrorKind::Database, "DatabaseError"));
  EXPECT_TRUE(error_is_a(ErrorKind::Database, "DependencyError"));
  EXPECT_TRUE(error_is_a(ErrorKind::Database, "ConnectionError"));
  EXPECT_TRUE(error_is_a(ErrorKind::Database, "ServerError"));
  EXPECT_TRUE(error_is_a(ErrorKind::Database, "ServiceUnavailableError"));
  EXPECT_FALSE(error_is_a(ErrorKind::Database, "ClientError"));
  EXPECT_FALSE(error_is_a(ErrorKind::CircuitOpen, "ConnectionError"));
  EXPECT_TRUE(error_is_a(ErrorKind::DeadlineExceeded, "TimeoutError"));
  EXPECT_TRUE(error_is_a(ErrorKind::TenantRateLimit, "RateLimitError"));
  EXPECT_TRUE(error_is_a(ErrorKind::GlobalRateLimit, "ClientError"));
  EXPECT_TRUE(error_is_a(ErrorKind::DatasetNotFound, "NotFoundError"));
  EXPECT_TRUE(error_is_a(ErrorKind::ConcurrentModification, "ConflictError"));
  EXPECT_TRUE(error_is_a(ErrorKind::SchemaValidation, "ValidationError"));
  EXPECT_TRUE(error_is_a(ErrorKind::QuotaExceeded, "ClientError"));  // business rules are the client's
  EXPECT_FALSE(error_is_a(ErrorKind::DecryptionOperation, "ServerError"));
  EXPECT_TRUE(error_is_a(ErrorKind::DecryptionOperation, "EncryptionError"));
  EXPECT_TRUE(error_is_a(ErrorKind::MaintenanceMode, "ServiceUnavailableError"));
  EXPECT_FALSE(error_is_a(ErrorKind::Validation, "Gremlins"));
  EXPECT_TRUE(known_error_class("ServerError"));
  EXPECT_TRUE(known_error_class("KeyProviderError"));
  EXPECT_FALSE(known_error_class("Gremlins"));
}

}  // namespace
}  // namespace vault
