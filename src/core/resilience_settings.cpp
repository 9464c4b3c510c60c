#include "vault/core/resilience_settings.hpp"

namespace vault {

std::map<std::string, BulkheadConfig> default_bulkheads() {
  using ms = milliseconds;
  return {
      // spec 3.3
      {"api_requests", {200, 500, ms(30000)}},
      {"storage_operations", {50, 100, ms(10000)}},
      {"kms_operations", {20, 50, ms(5000)}},
      {"cache_operations", {30, 0, ms(1000)}},
      {"analytics_jobs", {100, 1000, ms(300000)}},
      {"async_workers", {50, 10000, ms(60000)}},
      // ours: CPU-bound work gets its own pools so that a flood of large
      // scans cannot take every worker thread
      {"pii_scanning", {16, 256, ms(10000)}},
      {"crypto_operations", {32, 256, ms(5000)}},
  };
}

std::map<std::string, ReadinessCheckSettings> default_readiness_checks() {
  using ms = milliseconds;
  return {
      // spec 4.3
      {"database", {true, ms(2000), true}},
      {"redis", {true, ms(1000), false}},
      {"kms", {true, ms(3000), true}},
      {"storage", {true, ms(2000), true}},
      {"message_queue", {true, ms(2000), false}},
  };
}

}  // namespace vault
