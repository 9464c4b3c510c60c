#pragma once
/// Server configuration: defaults, then an optional YAML file, then VAULT_*
/// environment variables, then command-line flags (later wins). Every
/// setting has one dotted key (the YAML path), one env name and one flag.
/// Invalid input is a ConfigurationError naming the setting and its source
/// — vaultd exits with code 2 on it.
#include "vault/core/error.hpp"
#include "vault/core/resilience_settings.hpp"

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace vault {

struct Config {
  // server
  std::string listen_host = "127.0.0.1";
  std::uint16_t listen_port = 8080;
  int io_threads = 2;
  int worker_threads = 16;
  int worker_queue_limit = 4096;
  std::int64_t max_body_bytes = 32 << 20;
  int max_batch_records = 10000;
  int max_connections = 1024;                                  ///< open API connections; beyond: 503
  std::int64_t max_buffered_body_bytes = std::int64_t{256} << 20;  ///< all buffered bodies; >= max_body_bytes
  std::string admin_listen_host;       ///< admin listener (/metrics, health; no auth); "" = none
  std::uint16_t admin_listen_port = 0;
  // storage
  std::string data_dir = "vault-data";
  std::string database_url;  ///< default sqlite://<data_dir>/meta.db; or postgresql://...
  int database_pool_size = 16;  ///< PostgreSQL connections per vaultd (SQLite: unused)
  std::string blob_url;      ///< default file://<abs data_dir>/blobs
  std::string cache_url;     ///< redis://... shared by replicas; "" = none
  /// With cache_url: how long read-cache copies live in Redis (and stale
  /// authentications are accepted while the store is down); 0 = no read cache.
  std::chrono::milliseconds read_cache_ttl{std::chrono::minutes(10)};
  std::int64_t inline_max_bytes = 64 << 10;  ///< larger sealed payloads go to the blob store
  // encryption at rest
  std::string key_provider_url;  ///< "" = local keyring under <data_dir>/keys
  bool encryption_enabled = true;  ///< off only for benchmarks; a data dir keeps one setting
  // PII
  bool pii_enabled = true;            ///< scan record writes, serve /api/v1/pii
  std::string pii_default_policy;     ///< JSON; "" = {"action":"flag"}
  std::string pii_gitleaks_rules;     ///< gitleaks TOML file with extra secret rules; "" = none
  std::string pii_recognizers;        ///< YAML/JSON file of custom recognizers; "" = none
  std::string pii_cache_dir;          ///< compiled pattern databases; "" = <data_dir>/cache
  // reliability (spec 3, 4.3, 6.3): see resilience_settings.hpp
  TimeoutSettings timeouts;
  CircuitBreakerConfig circuit_breaker;
  RetrySettings retry;
  std::map<std::string, BulkheadConfig> bulkheads = default_bulkheads();
  RateLimitSettings rate_limits;
  std::map<std::string, ReadinessCheckSettings> readiness_checks = default_readiness_checks();
  TracingSettings tracing;
  FaultInjectionSettings fault_injection;
  bool read_only_mode = false;  ///< writes answer 503 MaintenanceModeError; reads go on
  bool degraded_mode = false;   ///< read-only, and readiness says "degraded"
  // logging
  std::string log_level = "info";
  // idempotency
  std::chrono::seconds idempotency_ttl{24 * 3600};
  // secrets (environment only; never logged)
  std::optional<std::string> bootstrap_admin_key;
  std::optional<std::string> metrics_token;  ///< bearer for /metrics on the API listener (env or YAML)
};

struct ConfigSetting {
  std::string key;   ///< "server.listen"
  std::string env;   ///< "VAULT_LISTEN"
  std::string flag;  ///< "--listen"
  std::string help;
};
/// The settings table (for --help and the README).
const std::vector<ConfigSetting>& config_settings();

/// Loads configuration. `args` are the command-line arguments after the
/// program name; `env` the environment (name → value). `--config FILE` (or
/// VAULT_CONFIG) names the YAML file.
Result<Config> load_config(const std::vector<std::string>& args,
                           const std::map<std::string, std::string>& env);

/// Parses "30s", "500ms", "2m", "1h" or a bare number of seconds.
std::optional<std::chrono::milliseconds> parse_duration(std::string_view s);

/// The environment of this process as a map.
std::map<std::string, std::string> process_environment();

}  // namespace vault
