#pragma once
/// The reliability settings of spec sections 3, 4.3 and 6.3 as plain data:
/// the configuration (config.hpp) fills them from YAML, environment and
/// flags, and the resilience module builds its breakers, retries, bulkheads
/// and rate limiters from them. Defaults are the spec's.
///
/// Error classes named in lists (count_as_failure, retry_on …) are the
/// spec's class names: a leaf type of the error table ("DatabaseError") or
/// one of the groups `error_is_a` knows ("ServerError", "TimeoutError" …).
#include <chrono>
#include <map>
#include <string>
#include <vector>

namespace vault {

using std::chrono::milliseconds;

/// Spec 3.1.
struct CircuitBreakerConfig {
  int failure_threshold = 5;
  milliseconds failure_window{60000};
  milliseconds open_duration{30000};
  int half_open_requests = 3;
  int half_open_success_threshold = 2;
  std::vector<std::string> count_as_failure{"ServerError", "TimeoutError", "DependencyError"};
  std::vector<std::string> ignore_errors{"ClientError"};
};

/// Spec 3.2: one retry policy; `max_attempts` includes the first.
struct RetryPolicy {
  int max_attempts = 3;
  milliseconds initial_delay{100};
  milliseconds max_delay{5000};
  double multiplier = 2.0;
  double jitter = 0.5;  ///< 0..1: the delay grows by up to this fraction
  std::vector<std::string> retry_on{"TimeoutError", "ConnectionError", "ServiceUnavailableError",
                                    "RateLimitError"};
  std::vector<std::string> do_not_retry{"ValidationError", "AuthenticationError", "NotFoundError",
                                        "ConflictError"};
};

/// Spec 3.2 with its per-operation overrides of max_attempts.
struct RetrySettings {
  RetryPolicy policy;
  int idempotent_writes_max_attempts = 5;
  int non_idempotent_writes_max_attempts = 1;
};

/// Spec 3.3: one pool.
struct BulkheadConfig {
  int max_concurrent = 50;
  int queue_size = 100;
  milliseconds timeout{10000};
};

/// The bulkheads by name: the spec's six (api_requests, storage_operations,
/// kms_operations, cache_operations, analytics_jobs, async_workers) and
/// ours (pii_scanning, crypto_operations), each with its spec default.
std::map<std::string, BulkheadConfig> default_bulkheads();

/// A token bucket: `requests_per_second` refill, `burst` capacity.
struct RateLimit {
  double requests_per_second = 0;  ///< 0 = unlimited
  double burst = 0;                ///< bucket size; at least 1 when limited
  bool limited() const { return requests_per_second > 0; }
};

struct RateLimitSettings {
  RateLimit per_tenant;  ///< each tenant's own bucket (default: unlimited)
  RateLimit global;      ///< all requests together (default: unlimited)
};

/// Spec 3.4: the timeout hierarchy. `deadline` is the older single
/// `timeouts.request` key: the time a handler has for one request (its
/// deadline, passed down to every dependency call).
struct TimeoutSettings {
  milliseconds deadline{30000};
  struct Connection {
    milliseconds dial_timeout{5000};
    milliseconds tls_handshake_timeout{10000};
    milliseconds dns_resolution_timeout{2000};
  } connection;
  struct Request {
    milliseconds read_timeout{30000};   ///< reading one request (head and body)
    milliseconds write_timeout{30000};  ///< writing one response
    milliseconds idle_timeout{60000};   ///< keep-alive between requests
    milliseconds header_timeout{5000};  ///< the request head
  } request;
  struct Database {
    milliseconds connection_timeout{5000};
    milliseconds query_timeout{10000};
    milliseconds transaction_timeout{30000};
  } database;
  milliseconds kms_operation_timeout{5000};
  struct Storage {
    milliseconds read_timeout{10000};
    milliseconds write_timeout{30000};
    milliseconds metadata_timeout{5000};
  } storage;
  milliseconds cache_operation_timeout{1000};
  struct Streaming {
    milliseconds upload_timeout{300000};
    milliseconds download_timeout{300000};
    milliseconds chunk_timeout{30000};
  } streaming;
  struct Jobs {
    milliseconds worker_timeout{600000};
    milliseconds shutdown_timeout{30000};
  } jobs;
  /// After SIGTERM, serve on (Connection: close, readiness 503) this long
  /// before closing the listener: the preStop window (spec 5.3). 0 = none.
  milliseconds drain_delay{0};
};

/// Spec 4.3: one readiness check.
struct ReadinessCheckSettings {
  bool enabled = true;
  milliseconds timeout{2000};
  bool critical = true;  ///< failing makes the instance not_ready; else degraded
};

/// The readiness checks by name (database, storage, kms, redis,
/// message_queue) with the spec's defaults.
std::map<std::string, ReadinessCheckSettings> default_readiness_checks();

/// Spec 6.3: which traces are kept.
struct TracingSettings {
  double default_rate = 0.01;         ///< head sampling of ordinary requests
  bool sample_errors = true;          ///< traces of failed requests are always kept
  bool sample_slow_requests = true;   ///< and those slower than slow_threshold
  milliseconds slow_threshold{1000};
  struct Rule {
    std::string endpoint;  ///< route template; a trailing "*" matches any rest
    double rate = 0;
  };
  std::vector<Rule> rules;  ///< first match wins over default_rate
  struct Exporter {
    std::string type;      ///< "otlp" (OTLP/HTTP JSON) or "log" (JSON lines)
    std::string endpoint;  ///< URL for otlp, file path for log ("" = stderr)
  };
  std::vector<Exporter> exporters;
};

/// Chaos (spec 8.2): fault injection on the dependency adapters.
struct FaultSetting {
  std::string dependency;  ///< metadata_store | blob_store | key_provider | cache
  std::string kind;        ///< error | latency | hang
  milliseconds latency{0};
  double percent = 100;
};

struct FaultInjectionSettings {
  bool enabled = false;              ///< off by default: the admin endpoint refuses
  std::vector<FaultSetting> faults;  ///< set at start (chaos runs); needs enabled
};

}  // namespace vault
