// The spec's reliability blocks (sections 3.1-3.4, 4.3, 6.3) load as
// written there, with their meanings; bad values are configuration errors.
#include "vault/core/config.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <unistd.h>

namespace vault {
namespace {

/// Writes `yaml` to a temporary file and loads it (plus env and flags).
Result<Config> load_yaml(const std::string& yaml, std::vector<std::string> args = {},
                         std::map<std::string, std::string> env = {}) {
  const std::string path = "/tmp/vault_reliability_config_" + std::to_string(::getpid()) + ".yaml";
  {
    std::ofstream f(path);
    f << yaml;
  }
  args.insert(args.begin(), {"--config", path});
  auto c = load_config(args, env);
  std::remove(path.c_str());
  return c;
}

// Copied from the spec's YAML blocks (tracing exporters: ours, since vaultd
// speaks OTLP; the spec's jaeger/zipkin entries are rejected, tested below).
constexpr const char* kSpecBlocks = R"(
circuit_breaker:
  failure_threshold: 5
  failure_window: 60s
  open_duration: 30s
  half_open_requests: 3
  half_open_success_threshold: 2
  count_as_failure:
    - ServerError
    - TimeoutError
    - DependencyError
  ignore_errors:
    - ClientError  # Don't count user errors
retry_policy:
  max_attempts: 3
  initial_delay: 100ms
  max_delay: 5s
  backoff_multiplier: 2.0
  jitter: 0.5  # 50% jitter
  retry_on:
    - TimeoutError
    - ConnectionError
    - ServiceUnavailableError
    - RateLimitError  # with exponential backoff
  do_not_retry:
    - ValidationError
    - AuthenticationError
    - NotFoundError
    - ConflictError
  operations:
    idempotent_writes:
      max_attempts: 5
    non_idempotent_writes:
      max_attempts: 1
bulkheads:
  api_requests:
    max_concurrent: 200
    queue_size: 500
    timeout: 30s
  storage_operations:
    max_concurrent: 50
    queue_size: 100
    timeout: 10s
  kms_operations:
    max_concurrent: 20
    queue_size: 50
    timeout: 5s
  cache_operations:
    max_concurrent: 30
    queue_size: 0  # No queuing, fail fast
    timeout: 1s
  analytics_jobs:
    max_concurrent: 100
    queue_size: 1000
    timeout: 300s
  async_workers:
    max_concurrent: 50
    queue_size: 10000
    timeout: 60s
timeouts:
  connection:
    dial_timeout: 5s
    tls_handshake_timeout: 10s
    dns_resolution_timeout: 2s
  request:
    read_timeout: 30s
    write_timeout: 30s
    idle_timeout: 120s
    header_timeout: 5s
  database:
    connection_timeout: 5s
    query_timeout: 10s
    transaction_timeout: 30s
  kms:
    operation_timeout: 5s
  storage:
    read_timeout: 10s
    write_timeout: 30s
    metadata_timeout: 5s
  cache:
    operation_timeout: 1s
  streaming:
    upload_timeout: 300s  # 5 minutes
    download_timeout: 300s
    chunk_timeout: 30s
  jobs:
    worker_timeout: 600s  # 10 minutes
    shutdown_timeout: 30s
readiness:
  endpoint: /health/ready
  port: 8080
  kubernetes:
    initial_delay_seconds: 10
    period_seconds: 5
    timeout_seconds: 3
    success_threshold: 1
    failure_threshold: 2
  checks:
    database:
      enabled: true
      timeout: 2s
      query: "SELECT 1"
      critical: true
    redis:
      enabled: true
      timeout: 1s
      operation: "PING"
      critical: false  # Can operate without cache
    kms:
      enabled: true
      timeout: 3s
      operation: "list_keys"
      critical: true
    storage:
      enabled: true
      timeout: 2s
      operation: "head_bucket"
      critical: true
    message_queue:
      enabled: true
      timeout: 2s
      operation: "ping"
      critical: false
tracing:
  sampling:
    default_rate: 0.01
    sample_errors: true
    sample_slow_requests: true
    slow_threshold: 1s
    rules:
      - endpoint: /api/v1/health/*
        rate: 0.001  # Health checks rarely sampled
      - endpoint: /api/v1/datasets
        rate: 0.05   # Dataset operations 5% sampled
      - endpoint: /api/v1/admin/*
        rate: 1.0    # Admin operations always sampled
  exporters:
    - type: otlp
      endpoint: http://127.0.0.1:4318/v1/traces
rate_limits:
  per_tenant:
    requests_per_second: 100
    burst: 200
  global:
    requests_per_second: 1000
)";

TEST(ReliabilityConfig, TheSpecsBlocksLoadWithTheirMeanings) {
  auto c = load_yaml(kSpecBlocks);
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_EQ(c->circuit_breaker.failure_threshold, 5);
  EXPECT_EQ(c->circuit_breaker.open_duration.count(), 30000);
  EXPECT_EQ(c->circuit_breaker.count_as_failure,
            (std::vector<std::string>{"ServerError", "TimeoutError", "DependencyError"}));
  EXPECT_EQ(c->retry.policy.initial_delay.count(), 100);
  EXPECT_DOUBLE_EQ(c->retry.policy.jitter, 0.5);
  EXPECT_EQ(c->retry.idempotent_writes_max_attempts, 5);
  EXPECT_EQ(c->bulkheads.at("cache_operations").queue_size, 0);
  EXPECT_EQ(c->bulkheads.at("api_requests").max_concurrent, 200);
  EXPECT_EQ(c->timeouts.request.idle_timeout.count(), 120000);
  EXPECT_EQ(c->timeouts.kms_operation_timeout.count(), 5000);
  EXPECT_EQ(c->timeouts.streaming.upload_timeout.count(), 300000);
  EXPECT_FALSE(c->readiness_checks.at("redis").critical);
  EXPECT_EQ(c->readiness_checks.at("kms").timeout.count(), 3000);
  ASSERT_EQ(c->tracing.rules.size(), 3u);
  EXPECT_EQ(c->tracing.rules[2].endpoint, "/api/v1/admin/*");
  EXPECT_DOUBLE_EQ(c->tracing.rules[2].rate, 1.0);
  ASSERT_EQ(c->tracing.exporters.size(), 1u);
  EXPECT_EQ(c->tracing.exporters[0].type, "otlp");
  EXPECT_DOUBLE_EQ(c->rate_limits.per_tenant.burst, 200);
  EXPECT_DOUBLE_EQ(c->rate_limits.global.burst, 1000);  // default: one second of the rate
}

TEST(ReliabilityConfig, DefaultsAreTheSpecs) {
  auto c = load_config({}, {});
  ASSERT_TRUE(c);
  EXPECT_EQ(c->circuit_breaker.half_open_requests, 3);
  EXPECT_EQ(c->retry.policy.max_attempts, 3);
  EXPECT_EQ(c->bulkheads.at("storage_operations").max_concurrent, 50);
  EXPECT_EQ(c->bulkheads.at("kms_operations").timeout.count(), 5000);
  EXPECT_EQ(c->timeouts.deadline.count(), 30000);
  EXPECT_EQ(c->timeouts.database.query_timeout.count(), 10000);
  EXPECT_TRUE(c->readiness_checks.at("database").critical);
  EXPECT_DOUBLE_EQ(c->tracing.default_rate, 0.01);
  EXPECT_FALSE(c->rate_limits.per_tenant.limited());
  EXPECT_FALSE(c->rate_limits.global.limited());
}

TEST(ReliabilityConfig, TheOldSingleRequestTimeoutStillWorks) {
  auto c = load_yaml("timeouts:\n  request: 7s\n  idle: 9s\n");
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_EQ(c->timeouts.deadline.count(), 7000);
  EXPECT_EQ(c->timeouts.request.idle_timeout.count(), 9000);
  // next to the hierarchy's request.* keys the deadline has its own name
  c = load_yaml("timeouts:\n  request:\n    deadline: 12s\n    header_timeout: 2s\n");
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_EQ(c->timeouts.deadline.count(), 12000);
  EXPECT_EQ(c->timeouts.request.header_timeout.count(), 2000);
}

TEST(ReliabilityConfig, EnvironmentAndFlagsOverrideTheCommonOnes) {
  auto c = load_config({"--rate-limit-tenant-rps", "5", "--circuit-breaker-open-duration", "2s"},
                       {{"VAULT_RATE_LIMIT_TENANT_RPS", "50"}, {"VAULT_RATE_LIMIT_GLOBAL_RPS", "10"},
                        {"VAULT_KMS_TIMEOUT", "750ms"}, {"VAULT_CIRCUIT_BREAKER_FAILURE_THRESHOLD", "2"}});
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_DOUBLE_EQ(c->rate_limits.per_tenant.requests_per_second, 5);  // flag beats env
  EXPECT_DOUBLE_EQ(c->rate_limits.per_tenant.burst, 5);
  EXPECT_DOUBLE_EQ(c->rate_limits.global.requests_per_second, 10);
  EXPECT_EQ(c->timeouts.kms_operation_timeout.count(), 750);
  EXPECT_EQ(c->circuit_breaker.failure_threshold, 2);
  EXPECT_EQ(c->circuit_breaker.open_duration.count(), 2000);
}

TEST(ReliabilityConfig, BadValuesNameTheSetting) {
  struct Case {
    const char* yaml;
    const char* setting;
  };
  for (const Case& k : {
           Case{"circuit_breaker:\n  failure_threshold: 0\n", "circuit_breaker.failure_threshold"},
           Case{"circuit_breaker:\n  half_open_requests: 1\n  half_open_success_threshold: 2\n",
                "circuit_breaker.half_open_success_threshold"},
           Case{"circuit_breaker:\n  count_as_failure: [ServerError, Gremlins]\n", "circuit_breaker.count_as_failure"},
           Case{"retry_policy:\n  jitter: 1.5\n", "retry_policy.jitter"},
           Case{"retry_policy:\n  initial_delay: 10s\n  max_delay: 1s\n", "retry_policy.initial_delay"},
           Case{"retry_policy:\n  operations:\n    non_idempotent_writes:\n      max_attempts: 3\n",
                "retry_policy.operations.non_idempotent_writes.max_attempts"},
           Case{"bulkheads:\n  gpu_pool:\n    max_concurrent: 3\n", "bulkheads.gpu_pool.max_concurrent"},
           Case{"bulkheads:\n  kms_operations:\n    queue_size: -1\n", "bulkheads.kms_operations.queue_size"},
           Case{"timeouts:\n  database:\n    query_timeout: soon\n", "timeouts.database.query_timeout"},
           Case{"readiness:\n  endpoint: /ready\n", "readiness.endpoint"},
           Case{"readiness:\n  checks:\n    database:\n      query: DROP TABLE x\n", "readiness.checks.database.query"},
           Case{"tracing:\n  sampling:\n    default_rate: 2\n", "tracing.sampling.default_rate"},
           Case{"tracing:\n  exporters:\n    - type: jaeger\n      endpoint: http://jaeger:14268/api/traces\n",
                "tracing.exporters"},
           Case{"tracing:\n  sampling:\n    rules:\n      - endpoint: admin\n        rate: 1\n",
                "tracing.sampling.rules"},
           Case{"rate_limits:\n  per_tenant:\n    requests_per_second: -1\n",
                "rate_limits.per_tenant.requests_per_second"},
       }) {
    auto c = load_yaml(k.yaml);
    ASSERT_FALSE(c) << k.yaml;
    EXPECT_EQ(c.error().kind(), ErrorKind::Configuration);
    EXPECT_NE(c.error().message().find(k.setting), std::string::npos) << c.error().message();
  }
}

}  // namespace
}  // namespace vault
