#include "vault/core/config.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <functional>

extern char** environ;

namespace vault {
namespace {

using Apply = std::function<Status(Config&, const std::string&)>;
/// For the few YAML-only settings whose value is a list of mappings.
using ApplyNode = std::function<Status(Config&, const YAML::Node&)>;

struct Setting {
  ConfigSetting meta;
  Apply apply;
  ApplyNode apply_node = nullptr;
};

Error config_error(const std::string& key, const std::string& value, const std::string& why) {
  // Values of secret settings are never echoed.
  const bool secret = key.find("key") != std::string::npos || key.find("token") != std::string::npos;
  return Error(ErrorKind::Configuration,
               "invalid configuration " + key + (secret ? "" : "='" + value + "'") + ": " + why,
               {{"setting", key}});
}

Apply string_setting(const std::string& key, std::string Config::*field, bool non_empty = true) {
  return [=](Config& c, const std::string& v) -> Status {
    if (non_empty && v.empty()) return std::unexpected(config_error(key, v, "must not be empty"));
    c.*field = v;
    return {};
  };
}

// Settings inside nested structs: a getter names the field.
#define VAULT_FIELD(path) [](Config& c) -> auto& { return c.path; }

template <class Int, class Get>
Apply int_at(const std::string& key, Get get, Int lo, Int hi) {
  return [=](Config& c, const std::string& v) -> Status {
    Int n{};
    auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (ec != std::errc{} || p != v.data() + v.size())
      return std::unexpected(config_error(key, v, "not an integer"));
    if (n < lo || n > hi)
      return std::unexpected(config_error(
          key, v, "out of range [" + std::to_string(lo) + ", " + std::to_string(hi) + "]"));
    get(c) = n;
    return {};
  };
}

template <class Get>
Apply double_at(const std::string& key, Get get, double lo, double hi) {
  return [=](Config& c, const std::string& v) -> Status {
    double n{};
    auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (ec != std::errc{} || p != v.data() + v.size() || !(n >= lo && n <= hi))
      return std::unexpected(config_error(
          key, v, "expected a number in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]"));
    get(c) = n;
    return {};
  };
}

template <class Get>
Apply duration_at(const std::string& key, Get get) {
  return [=](Config& c, const std::string& v) -> Status {
    auto d = parse_duration(v);
    if (!d || d->count() <= 0)
      return std::unexpected(config_error(key, v, "expected a positive duration like 30s or 500ms"));
    get(c) = *d;
    return {};
  };
}

/// A duration that may be zero ("0s" = off).
template <class Get>
Apply non_negative_duration_at(const std::string& key, Get get) {
  return [=](Config& c, const std::string& v) -> Status {
    auto d = parse_duration(v);
    if (!d || d->count() < 0) return std::unexpected(config_error(key, v, "expected a duration like 5s (0s = off)"));
    get(c) = *d;
    return {};
  };
}

template <class Get>
Apply bool_at(const std::string& key, Get get) {
  return [=](Config& c, const std::string& v) -> Status {
    if (v == "true" || v == "1" || v == "on") get(c) = true;
    else if (v == "false" || v == "0" || v == "off") get(c) = false;
    else return std::unexpected(config_error(key, v, "expected true or false"));
    return {};
  };
}

// Top-level settings name their field by member pointer.
template <class Int>
Apply int_setting(const std::string& key, Int Config::*field, Int lo, Int hi) {
  return int_at(key, [field](Config& c) -> Int& { return c.*field; }, lo, hi);
}

Apply bool_setting(const std::string& key, bool Config::*field) {
  return bool_at(key, [field](Config& c) -> bool& { return c.*field; });
}

/// A list of the spec's error class names: a YAML sequence, or a
/// comma-separated string from the environment or a flag.
template <class Get>
Apply error_classes_at(const std::string& key, Get get) {
  return [=](Config& c, const std::string& v) -> Status {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start <= v.size()) {
      auto comma = v.find(',', start);
      std::string item = v.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
      while (!item.empty() && item.front() == ' ') item.erase(item.begin());
      while (!item.empty() && item.back() == ' ') item.pop_back();
      if (!item.empty()) {
        if (!known_error_class(item))
          return std::unexpected(config_error(key, v, "unknown error class '" + item + "' (see docs/error-codes.md)"));
        out.push_back(item);
      }
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
    get(c) = std::move(out);
    return {};
  };
}

/// A value the spec's YAML carries that vaultd does not choose (the probe
/// path, the query a check runs): accepted when it names what vaultd does.
Apply fixed_value(const std::string& key, std::string expected) {
  return [=](Config&, const std::string& v) -> Status {
    if (v != expected)
      return std::unexpected(config_error(key, v, "vaultd uses '" + expected + "'; this cannot be changed"));
    return {};
  };
}

/// Informational for the deployment (Kubernetes probe timings, the probe
/// port): validated as a non-negative integer, not used by vaultd itself.
Apply informational_int(const std::string& key) {
  return [=](Config&, const std::string& v) -> Status {
    long n{};
    auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (ec != std::errc{} || p != v.data() + v.size() || n < 0)
      return std::unexpected(config_error(key, v, "expected a non-negative integer"));
    return {};
  };
}

/// "host:port" (IPv6 host in brackets) of setting `key`.
Status parse_host_port(const std::string& key, const std::string& v, std::string& host_out,
                       std::uint16_t& port_out) {
  auto colon = v.rfind(':');
  if (colon == std::string::npos || colon == 0)
    return std::unexpected(config_error(key, v, "expected host:port"));
  std::string host = v.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  unsigned port = 0;
  auto ps = v.substr(colon + 1);
  auto [p, ec] = std::from_chars(ps.data(), ps.data() + ps.size(), port);
  if (ec != std::errc{} || p != ps.data() + ps.size() || port > 65535)
    return std::unexpected(config_error(key, v, "port must be 0-65535"));
  host_out = host;
  port_out = static_cast<std::uint16_t>(port);
  return {};
}

Status apply_listen(Config& c, const std::string& v) {
  return parse_host_port("server.listen", v, c.listen_host, c.listen_port);
}

Status apply_admin_listen(Config& c, const std::string& v) {
  if (v.empty()) {  // explicitly off
    c.admin_listen_host.clear();
    c.admin_listen_port = 0;
    return {};
  }
  return parse_host_port("server.admin_listen", v, c.admin_listen_host, c.admin_listen_port);
}

/// "tracing.sampling.rules": [{endpoint: /api/v1/admin/*, rate: 1.0}, ...]
Status apply_sampling_rules(Config& c, const YAML::Node& node) {
  const std::string key = "tracing.sampling.rules";
  if (!node.IsSequence()) return std::unexpected(config_error(key, "", "expected a list of {endpoint, rate}"));
  std::vector<TracingSettings::Rule> rules;
  for (const auto& item : node) {
    if (!item.IsMap() || !item["endpoint"] || !item["rate"] || item.size() != 2)
      return std::unexpected(config_error(key, "", "each rule is {endpoint, rate}"));
    TracingSettings::Rule r;
    r.endpoint = item["endpoint"].as<std::string>();
    const std::string rate = item["rate"].as<std::string>();
    auto [p, ec] = std::from_chars(rate.data(), rate.data() + rate.size(), r.rate);
    if (r.endpoint.empty() || r.endpoint.front() != '/')
      return std::unexpected(config_error(key, r.endpoint, "endpoint must be a path starting with /"));
    if (ec != std::errc{} || p != rate.data() + rate.size() || !(r.rate >= 0 && r.rate <= 1))
      return std::unexpected(config_error(key, rate, "rate must be a number in [0, 1]"));
    rules.push_back(std::move(r));
  }
  c.tracing.rules = std::move(rules);
  return {};
}

/// "tracing.exporters": [{type: otlp, endpoint: http://127.0.0.1:4318/v1/traces}, {type: log}]
Status apply_exporters(Config& c, const YAML::Node& node) {
  const std::string key = "tracing.exporters";
  if (!node.IsSequence()) return std::unexpected(config_error(key, "", "expected a list of {type, endpoint}"));
  std::vector<TracingSettings::Exporter> out;
  for (const auto& item : node) {
    if (!item.IsMap() || !item["type"]) return std::unexpected(config_error(key, "", "each exporter has a type"));
    TracingSettings::Exporter e;
    e.type = item["type"].as<std::string>();
    if (item["endpoint"]) e.endpoint = item["endpoint"].as<std::string>();
    if (e.type != "otlp" && e.type != "log")
      return std::unexpected(config_error(
          key, e.type, "unsupported exporter type: vaultd exports OTLP/HTTP JSON (type: otlp; Jaeger and "
                       "Zipkin both accept it) or JSON lines (type: log)"));
    if (e.type == "otlp" && !e.endpoint.starts_with("http://"))
      return std::unexpected(config_error(
          key, e.endpoint, "an otlp exporter needs an http:// endpoint (for TLS run a collector beside vaultd)"));
    out.push_back(std::move(e));
  }
  c.tracing.exporters = std::move(out);
  return {};
}

/// "faults.inject": [{dependency: key_provider, kind: hang, percent: 100}, ...]
Status apply_faults(Config& c, const YAML::Node& node) {
  const std::string key = "faults.inject";
  if (!node.IsSequence())
    return std::unexpected(config_error(key, "", "expected a list of {dependency, kind, latency_ms, percent}"));
  std::vector<FaultSetting> out;
  for (const auto& item : node) {
    if (!item.IsMap() || !item["dependency"] || !item["kind"])
      return std::unexpected(config_error(key, "", "each fault has a dependency and a kind"));
    FaultSetting f;
    f.dependency = item["dependency"].as<std::string>();
    f.kind = item["kind"].as<std::string>();
    if (f.dependency != "metadata_store" && f.dependency != "blob_store" && f.dependency != "key_provider" &&
        f.dependency != "cache")
      return std::unexpected(config_error(key, f.dependency, "dependency must be metadata_store, blob_store, key_provider or cache"));
    if (f.kind != "error" && f.kind != "latency" && f.kind != "hang")
      return std::unexpected(config_error(key, f.kind, "kind must be error, latency or hang"));
    if (item["latency_ms"]) f.latency = milliseconds(item["latency_ms"].as<std::int64_t>());
    if (item["percent"]) f.percent = item["percent"].as<double>();
    if (f.latency.count() < 0 || f.percent < 0 || f.percent > 100)
      return std::unexpected(config_error(key, "", "latency_ms must be >= 0 and percent 0-100"));
    out.push_back(std::move(f));
  }
  c.fault_injection.faults = std::move(out);
  return {};
}

/// Settings generated per bulkhead and per readiness check.
void add_generated(std::vector<Setting>& table) {
  for (const auto& [name, def] : default_bulkheads()) {
    const std::string p = "bulkheads." + name + ".";
    table.push_back({{p + "max_concurrent", "", "", "calls of this pool running at once"},
                     int_at(p + "max_concurrent", [n = name](Config& c) -> int& { return c.bulkheads[n].max_concurrent; }, 1, 1000000)});
    table.push_back({{p + "queue_size", "", "", "calls waiting for a slot; beyond, 503 OverloadedError"},
                     int_at(p + "queue_size", [n = name](Config& c) -> int& { return c.bulkheads[n].queue_size; }, 0, 10000000)});
    table.push_back({{p + "timeout", "", "", "longest wait for a slot"},
                     duration_at(p + "timeout", [n = name](Config& c) -> milliseconds& { return c.bulkheads[n].timeout; })});
  }
  const std::map<std::string, std::string> operations = {
      {"database", "SELECT 1"}, {"redis", "PING"}, {"kms", "list_keys"}, {"storage", "head_bucket"},
      {"message_queue", "ping"}};
  for (const auto& [name, def] : default_readiness_checks()) {
    const std::string p = "readiness.checks." + name + ".";
    table.push_back({{p + "enabled", "", "", "run this readiness check"},
                     bool_at(p + "enabled", [n = name](Config& c) -> bool& { return c.readiness_checks[n].enabled; })});
    table.push_back({{p + "timeout", "", "", "slower counts as failed"},
                     duration_at(p + "timeout", [n = name](Config& c) -> milliseconds& { return c.readiness_checks[n].timeout; })});
    table.push_back({{p + "critical", "", "", "failing makes the instance not_ready (else degraded)"},
                     bool_at(p + "critical", [n = name](Config& c) -> bool& { return c.readiness_checks[n].critical; })});
    const std::string op = operations.at(name);
    table.push_back({{p + (name == "database" ? "query" : "operation"), "", "", "what the check runs (fixed)"},
                     fixed_value(p + (name == "database" ? "query" : "operation"), op)});
  }
  table.push_back({{"readiness.endpoint", "", "", "the readiness path (fixed)"},
                   fixed_value("readiness.endpoint", "/health/ready")});
  table.push_back({{"readiness.port", "", "", "informational: the port the orchestrator probes"},
                   informational_int("readiness.port")});
  for (const char* k : {"initial_delay_seconds", "period_seconds", "timeout_seconds", "success_threshold",
                        "failure_threshold"}) {
    const std::string key = std::string("readiness.kubernetes.") + k;
    table.push_back({{key, "", "", "informational: used by deploy/kubernetes, not by vaultd"}, informational_int(key)});
  }
}

const std::vector<Setting>& settings() {
  static const std::vector<Setting> table = [] {
    std::vector<Setting> t = {
      {{"server.listen", "VAULT_LISTEN", "--listen", "address to listen on, host:port"},
       apply_listen},
      {{"server.io_threads", "VAULT_IO_THREADS", "--io-threads", "I/O threads"},
       int_setting("server.io_threads", &Config::io_threads, 1, 256)},
      {{"server.worker_threads", "VAULT_WORKER_THREADS", "--worker-threads",
        "worker threads running handlers"},
       int_setting("server.worker_threads", &Config::worker_threads, 1, 1024)},
      {{"server.worker_queue_limit", "VAULT_WORKER_QUEUE_LIMIT", "--worker-queue-limit",
        "queued requests before 503 OverloadedError"},
       int_setting("server.worker_queue_limit", &Config::worker_queue_limit, 1, 1 << 20)},
      {{"server.max_body_bytes", "VAULT_MAX_BODY_BYTES", "--max-body-bytes",
        "largest non-streamed request body"},
       int_setting<std::int64_t>("server.max_body_bytes", &Config::max_body_bytes, 1024,
                                 std::int64_t{1} << 34)},
      {{"server.max_batch_records", "VAULT_MAX_BATCH_RECORDS", "--max-batch-records",
        "largest records:batch"},
       int_setting("server.max_batch_records", &Config::max_batch_records, 1, 1000000)},
      {{"server.max_connections", "VAULT_MAX_CONNECTIONS", "--max-connections",
        "open API connections; beyond, 503 OverloadedError and close"},
       int_setting("server.max_connections", &Config::max_connections, 1, 1 << 20)},
      {{"server.max_buffered_body_bytes", "VAULT_MAX_BUFFERED_BODY_BYTES", "--max-buffered-body-bytes",
        "request bodies buffered at once, all requests together (>= max_body_bytes); beyond, 503"},
       int_setting<std::int64_t>("server.max_buffered_body_bytes", &Config::max_buffered_body_bytes, 1024,
                                 std::int64_t{1} << 40)},
      {{"server.admin_listen", "VAULT_ADMIN_LISTEN", "--admin-listen",
        "admin listener host:port serving /metrics and /health/* without auth (default: none)"},
       apply_admin_listen},
      {{"server.metrics_token", "VAULT_METRICS_TOKEN", "",
        "bearer token for /metrics on the API listener (environment or YAML; >= 16 chars)"},
       [](Config& c, const std::string& v) -> Status {
         if (v.size() < 16)
           return std::unexpected(config_error("server.metrics_token", v, "must be at least 16 characters"));
         c.metrics_token = v;
         return {};
       }},
      {{"storage.data_dir", "VAULT_DATA_DIR", "--data-dir", "data directory (created)"},
       string_setting("storage.data_dir", &Config::data_dir)},
      {{"storage.database_url", "VAULT_DATABASE_URL", "--database-url",
        "metadata store URL: sqlite:///path/meta.db (default <data_dir>/meta.db) or "
        "postgresql://user[:password]@host:port/database[?param=value...]"},
       string_setting("storage.database_url", &Config::database_url)},
      {{"storage.database_pool_size", "VAULT_DATABASE_POOL_SIZE", "--database-pool-size",
        "PostgreSQL: connections this vaultd opens at most (default 16)"},
       int_setting("storage.database_pool_size", &Config::database_pool_size, 1, 1000)},
      {{"storage.blob_url", "VAULT_BLOB_URL", "--blob-url",
        "blob store URL: file:///dir (default <data_dir>/blobs) or "
        "s3://BUCKET[/prefix]?endpoint=http://host:port&region=... (credentials from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY)"},
       string_setting("storage.blob_url", &Config::blob_url)},
      {{"storage.inline_max_bytes", "VAULT_INLINE_MAX_BYTES", "--inline-max-bytes",
        "record payloads larger than this (sealed) go to the blob store, the row keeps a reference (default 65536)"},
       int_setting<std::int64_t>("storage.inline_max_bytes", &Config::inline_max_bytes, 1024,
                                 std::int64_t{1} << 30)},
      {{"cache.url", "VAULT_CACHE_URL", "--cache-url",
        "Redis shared by replicas (rate limits, cache invalidations): redis://[[user]:password@]host[:port][/db]; "
        "\"\" = none (one replica)"},
       string_setting("cache.url", &Config::cache_url, false)},
      {{"cache.read_cache_ttl", "VAULT_READ_CACHE_TTL", "--read-cache-ttl",
        "with cache.url: copies of datasets and records kept in Redis this long, answering reads while the "
        "metadata store is down (default 10m; 0 = no read cache)"},
       non_negative_duration_at("cache.read_cache_ttl", VAULT_FIELD(read_cache_ttl))},
      {{"keys.provider_url", "VAULT_KEY_PROVIDER", "--key-provider",
        "KEK provider: local:///keyring?master_key_file=... or pkcs11:///module.so?token=..&pin_env=.."},
       string_setting("keys.provider_url", &Config::key_provider_url)},
      {{"encryption.enabled", "VAULT_ENCRYPTION_ENABLED", "--encryption-enabled",
        "envelope encryption of record payloads (true|false; false for benchmarks only)"},
       bool_setting("encryption.enabled", &Config::encryption_enabled)},
      {{"pii.enabled", "VAULT_PII_ENABLED", "--pii-enabled",
        "scan every record write for PII/secrets and apply dataset policies (true|false)"},
       bool_setting("pii.enabled", &Config::pii_enabled)},
      {{"pii.default_policy", "VAULT_PII_DEFAULT_POLICY", "--pii-default-policy",
        "policy JSON for datasets without one (default {\"action\":\"flag\"})"},
       string_setting("pii.default_policy", &Config::pii_default_policy, false)},
      {{"pii.gitleaks_rules", "VAULT_PII_GITLEAKS_RULES", "--pii-gitleaks-rules",
        "extra secret rules: path of a gitleaks TOML file"},
       string_setting("pii.gitleaks_rules", &Config::pii_gitleaks_rules, false)},
      {{"pii.recognizers", "VAULT_PII_RECOGNIZERS", "--pii-recognizers",
        "custom recognizers: path of a YAML/JSON file (pattern, validator, context, score)"},
       string_setting("pii.recognizers", &Config::pii_recognizers, false)},
      {{"pii.cache_dir", "VAULT_PII_CACHE_DIR", "--pii-cache-dir",
        "where compiled pattern databases are kept between starts (default <data_dir>/cache)"},
       string_setting("pii.cache_dir", &Config::pii_cache_dir, false)},
      {{"timeouts.request", "VAULT_REQUEST_TIMEOUT", "--request-timeout",
        "request deadline: the time a handler has, passed down to every dependency call"},
       duration_at("timeouts.request", VAULT_FIELD(timeouts.deadline))},
      {{"timeouts.request.deadline", "", "", "the same as timeouts.request, next to the request.* timeouts"},
       duration_at("timeouts.request.deadline", VAULT_FIELD(timeouts.deadline))},
      {{"timeouts.idle", "VAULT_IDLE_TIMEOUT", "--idle-timeout", "idle keep-alive timeout"},
       duration_at("timeouts.idle", VAULT_FIELD(timeouts.request.idle_timeout))},
      {{"timeouts.request.idle_timeout", "", "", "idle keep-alive timeout (same as timeouts.idle)"},
       duration_at("timeouts.request.idle_timeout", VAULT_FIELD(timeouts.request.idle_timeout))},
      {{"timeouts.request.header_timeout", "VAULT_HEADER_TIMEOUT", "--header-timeout",
        "time to receive a request's head"},
       duration_at("timeouts.request.header_timeout", VAULT_FIELD(timeouts.request.header_timeout))},
      {{"timeouts.request.read_timeout", "VAULT_READ_TIMEOUT", "--read-timeout",
        "time to receive a request body (non-streamed)"},
       duration_at("timeouts.request.read_timeout", VAULT_FIELD(timeouts.request.read_timeout))},
      {{"timeouts.request.write_timeout", "VAULT_WRITE_TIMEOUT", "--write-timeout",
        "time to send a response (non-streamed)"},
       duration_at("timeouts.request.write_timeout", VAULT_FIELD(timeouts.request.write_timeout))},
      {{"timeouts.connection.dial_timeout", "", "", "outbound connect (HTTP dependencies)"},
       duration_at("timeouts.connection.dial_timeout", VAULT_FIELD(timeouts.connection.dial_timeout))},
      {{"timeouts.connection.tls_handshake_timeout", "", "", "outbound TLS handshake"},
       duration_at("timeouts.connection.tls_handshake_timeout", VAULT_FIELD(timeouts.connection.tls_handshake_timeout))},
      {{"timeouts.connection.dns_resolution_timeout", "", "", "outbound name resolution"},
       duration_at("timeouts.connection.dns_resolution_timeout", VAULT_FIELD(timeouts.connection.dns_resolution_timeout))},
      {{"timeouts.database.connection_timeout", "", "", "metadata store connect"},
       duration_at("timeouts.database.connection_timeout", VAULT_FIELD(timeouts.database.connection_timeout))},
      {{"timeouts.database.query_timeout", "VAULT_DATABASE_QUERY_TIMEOUT", "--database-query-timeout",
        "one metadata store call"},
       duration_at("timeouts.database.query_timeout", VAULT_FIELD(timeouts.database.query_timeout))},
      {{"timeouts.database.transaction_timeout", "", "", "one metadata store transaction"},
       duration_at("timeouts.database.transaction_timeout", VAULT_FIELD(timeouts.database.transaction_timeout))},
      {{"timeouts.kms.operation_timeout", "VAULT_KMS_TIMEOUT", "--kms-timeout", "one key provider call"},
       duration_at("timeouts.kms.operation_timeout", VAULT_FIELD(timeouts.kms_operation_timeout))},
      {{"timeouts.storage.read_timeout", "", "", "one blob read"},
       duration_at("timeouts.storage.read_timeout", VAULT_FIELD(timeouts.storage.read_timeout))},
      {{"timeouts.storage.write_timeout", "", "", "one blob write"},
       duration_at("timeouts.storage.write_timeout", VAULT_FIELD(timeouts.storage.write_timeout))},
      {{"timeouts.storage.metadata_timeout", "", "", "one blob head/list/delete"},
       duration_at("timeouts.storage.metadata_timeout", VAULT_FIELD(timeouts.storage.metadata_timeout))},
      {{"timeouts.cache.operation_timeout", "", "", "one cache call"},
       duration_at("timeouts.cache.operation_timeout", VAULT_FIELD(timeouts.cache_operation_timeout))},
      {{"timeouts.streaming.upload_timeout", "", "", "a whole streamed upload (import)"},
       duration_at("timeouts.streaming.upload_timeout", VAULT_FIELD(timeouts.streaming.upload_timeout))},
      {{"timeouts.streaming.download_timeout", "", "", "a whole streamed download (export)"},
       duration_at("timeouts.streaming.download_timeout", VAULT_FIELD(timeouts.streaming.download_timeout))},
      {{"timeouts.streaming.chunk_timeout", "", "", "one chunk of a streamed body"},
       duration_at("timeouts.streaming.chunk_timeout", VAULT_FIELD(timeouts.streaming.chunk_timeout))},
      {{"timeouts.jobs.worker_timeout", "", "", "one background job step"},
       duration_at("timeouts.jobs.worker_timeout", VAULT_FIELD(timeouts.jobs.worker_timeout))},
      {{"timeouts.jobs.shutdown_timeout", "VAULT_SHUTDOWN_TIMEOUT", "--shutdown-timeout",
        "how long in-flight requests may run after SIGTERM"},
       duration_at("timeouts.jobs.shutdown_timeout", VAULT_FIELD(timeouts.jobs.shutdown_timeout))},
      {{"timeouts.jobs.drain_delay", "VAULT_SHUTDOWN_DRAIN_DELAY", "--shutdown-drain-delay",
        "after SIGTERM keep serving this long (Connection: close, readiness 503) before closing the listener"},
       non_negative_duration_at("timeouts.jobs.drain_delay", VAULT_FIELD(timeouts.drain_delay))},
      // circuit breakers (spec 3.1): one per dependency, these settings
      {{"circuit_breaker.failure_threshold", "VAULT_CIRCUIT_BREAKER_FAILURE_THRESHOLD",
        "--circuit-breaker-failure-threshold", "counted failures within failure_window that open a breaker"},
       int_at("circuit_breaker.failure_threshold", VAULT_FIELD(circuit_breaker.failure_threshold), 1, 1000000)},
      {{"circuit_breaker.failure_window", "", "", "window in which failures are counted"},
       duration_at("circuit_breaker.failure_window", VAULT_FIELD(circuit_breaker.failure_window))},
      {{"circuit_breaker.open_duration", "VAULT_CIRCUIT_BREAKER_OPEN_DURATION", "--circuit-breaker-open-duration",
        "how long an open breaker fails fast before probing"},
       duration_at("circuit_breaker.open_duration", VAULT_FIELD(circuit_breaker.open_duration))},
      {{"circuit_breaker.half_open_requests", "", "", "probe calls let through when half-open"},
       int_at("circuit_breaker.half_open_requests", VAULT_FIELD(circuit_breaker.half_open_requests), 1, 10000)},
      {{"circuit_breaker.half_open_success_threshold", "", "", "probe successes that close the breaker"},
       int_at("circuit_breaker.half_open_success_threshold", VAULT_FIELD(circuit_breaker.half_open_success_threshold), 1, 10000)},
      {{"circuit_breaker.count_as_failure", "", "", "error classes that count against a dependency"},
       error_classes_at("circuit_breaker.count_as_failure", VAULT_FIELD(circuit_breaker.count_as_failure))},
      {{"circuit_breaker.ignore_errors", "", "", "error classes that never count"},
       error_classes_at("circuit_breaker.ignore_errors", VAULT_FIELD(circuit_breaker.ignore_errors))},
      // retries (spec 3.2)
      {{"retry_policy.max_attempts", "VAULT_RETRY_MAX_ATTEMPTS", "--retry-max-attempts",
        "attempts of an idempotent dependency call, the first included"},
       int_at("retry_policy.max_attempts", VAULT_FIELD(retry.policy.max_attempts), 1, 100)},
      {{"retry_policy.initial_delay", "", "", "first backoff delay"},
       duration_at("retry_policy.initial_delay", VAULT_FIELD(retry.policy.initial_delay))},
      {{"retry_policy.max_delay", "", "", "largest backoff delay"},
       duration_at("retry_policy.max_delay", VAULT_FIELD(retry.policy.max_delay))},
      {{"retry_policy.backoff_multiplier", "", "", "growth of the delay per attempt"},
       double_at("retry_policy.backoff_multiplier", VAULT_FIELD(retry.policy.multiplier), 1.0, 10.0)},
      {{"retry_policy.jitter", "", "", "random extra delay, as a fraction of the delay (0-1)"},
       double_at("retry_policy.jitter", VAULT_FIELD(retry.policy.jitter), 0.0, 1.0)},
      {{"retry_policy.retry_on", "", "", "error classes that are retried"},
       error_classes_at("retry_policy.retry_on", VAULT_FIELD(retry.policy.retry_on))},
      {{"retry_policy.do_not_retry", "", "", "error classes that are never retried"},
       error_classes_at("retry_policy.do_not_retry", VAULT_FIELD(retry.policy.do_not_retry))},
      {{"retry_policy.operations.idempotent_writes.max_attempts", "", "", "attempts of an idempotent write"},
       int_at("retry_policy.operations.idempotent_writes.max_attempts",
              VAULT_FIELD(retry.idempotent_writes_max_attempts), 1, 100)},
      {{"retry_policy.operations.non_idempotent_writes.max_attempts", "", "",
        "attempts of a non-idempotent write (1: never retried)"},
       int_at("retry_policy.operations.non_idempotent_writes.max_attempts",
              VAULT_FIELD(retry.non_idempotent_writes_max_attempts), 1, 1)},
      // rate limits: token buckets per tenant and for the whole server
      {{"rate_limits.per_tenant.requests_per_second", "VAULT_RATE_LIMIT_TENANT_RPS", "--rate-limit-tenant-rps",
        "each tenant's sustained request rate (0 = unlimited); beyond, 429 TenantRateLimitError"},
       double_at("rate_limits.per_tenant.requests_per_second", VAULT_FIELD(rate_limits.per_tenant.requests_per_second), 0, 1e9)},
      {{"rate_limits.per_tenant.burst", "VAULT_RATE_LIMIT_TENANT_BURST", "--rate-limit-tenant-burst",
        "each tenant's bucket size (default: one second of its rate)"},
       double_at("rate_limits.per_tenant.burst", VAULT_FIELD(rate_limits.per_tenant.burst), 0, 1e9)},
      {{"rate_limits.global.requests_per_second", "VAULT_RATE_LIMIT_GLOBAL_RPS", "--rate-limit-global-rps",
        "the server's sustained request rate (0 = unlimited); beyond, 429 GlobalRateLimitError"},
       double_at("rate_limits.global.requests_per_second", VAULT_FIELD(rate_limits.global.requests_per_second), 0, 1e9)},
      {{"rate_limits.global.burst", "VAULT_RATE_LIMIT_GLOBAL_BURST", "--rate-limit-global-burst",
        "the server's bucket size (default: one second of its rate)"},
       double_at("rate_limits.global.burst", VAULT_FIELD(rate_limits.global.burst), 0, 1e9)},
      // tracing (spec 6.3)
      {{"tracing.sampling.default_rate", "VAULT_TRACE_SAMPLE_RATE", "--trace-sample-rate",
        "fraction of ordinary requests whose trace is kept (0-1)"},
       double_at("tracing.sampling.default_rate", VAULT_FIELD(tracing.default_rate), 0.0, 1.0)},
      {{"tracing.sampling.sample_errors", "", "", "always keep traces of failed requests"},
       bool_at("tracing.sampling.sample_errors", VAULT_FIELD(tracing.sample_errors))},
      {{"tracing.sampling.sample_slow_requests", "", "", "always keep traces of slow requests"},
       bool_at("tracing.sampling.sample_slow_requests", VAULT_FIELD(tracing.sample_slow_requests))},
      {{"tracing.sampling.slow_threshold", "", "", "what counts as slow"},
       duration_at("tracing.sampling.slow_threshold", VAULT_FIELD(tracing.slow_threshold))},
      {{"tracing.sampling.rules", "", "", "per-endpoint rates: a list of {endpoint, rate} (YAML only)"},
       nullptr, apply_sampling_rules},
      {{"tracing.exporters", "", "", "where kept spans go: a list of {type: otlp|log, endpoint} (YAML only)"},
       nullptr, apply_exporters},
      // operating modes and chaos
      {{"server.read_only_mode", "READ_ONLY_MODE", "--read-only-mode",
        "refuse writes with 503 MaintenanceModeError, serve reads (also PUT /api/v1/admin/mode)"},
       bool_at("server.read_only_mode", VAULT_FIELD(read_only_mode))},
      {{"server.degraded_mode", "DEGRADED_MODE", "--degraded-mode",
        "read-only, and readiness reports degraded (also PUT /api/v1/admin/mode)"},
       bool_at("server.degraded_mode", VAULT_FIELD(degraded_mode))},
      {{"faults.enabled", "VAULT_FAULT_INJECTION", "--fault-injection",
        "allow fault injection on dependencies (chaos tests; /api/v1/admin/faults); off by default"},
       bool_at("faults.enabled", VAULT_FIELD(fault_injection.enabled))},
      {{"faults.inject", "", "", "faults set at start: a list of {dependency, kind, latency_ms, percent} (YAML only)"},
       nullptr, apply_faults},
      {{"logging.level", "VAULT_LOG_LEVEL", "--log-level", "debug, info, warn or error"},
       [](Config& c, const std::string& v) -> Status {
         if (v != "debug" && v != "info" && v != "warn" && v != "error")
           return std::unexpected(config_error("logging.level", v, "expected debug|info|warn|error"));
         c.log_level = v;
         return {};
       }},
      {{"idempotency.ttl", "VAULT_IDEMPOTENCY_TTL", "--idempotency-ttl",
        "how long Idempotency-Key responses are replayed"},
       [](Config& c, const std::string& v) -> Status {
         auto d = parse_duration(v);
         if (!d || d->count() < 1000)
           return std::unexpected(config_error("idempotency.ttl", v, "expected a duration >= 1s"));
         c.idempotency_ttl = std::chrono::duration_cast<std::chrono::seconds>(*d);
         return {};
       }},
      {{"bootstrap.admin_key", "VAULT_BOOTSTRAP_ADMIN_KEY", "",
        "first platform admin key (environment only)"},
       [](Config& c, const std::string& v) -> Status {
         if (v.size() < 16)
           return std::unexpected(config_error("bootstrap.admin_key", v, "must be at least 16 characters"));
         c.bootstrap_admin_key = v;
         return {};
       }},
    };
    add_generated(t);
    return t;
  }();
  return table;
}

const Setting* find_by_key(const std::string& key) {
  for (const auto& s : settings())
    if (s.meta.key == key) return &s;
  return nullptr;
}

Status apply_yaml(Config& c, const YAML::Node& node, const std::string& prefix) {
  if (!node.IsMap())
    return std::unexpected(config_error(prefix.empty() ? "<root>" : prefix, "", "expected a mapping"));
  for (const auto& kv : node) {
    const std::string key = (prefix.empty() ? "" : prefix + ".") + kv.first.as<std::string>();
    const Setting* s = find_by_key(key);
    if (s && s->apply_node) {
      if (auto r = s->apply_node(c, kv.second); !r) return r;
      continue;
    }
    if (kv.second.IsMap()) {
      if (auto r = apply_yaml(c, kv.second, key); !r) return r;
      continue;
    }
    if (!s || s->meta.env == "VAULT_BOOTSTRAP_ADMIN_KEY")
      return std::unexpected(config_error(key, "", "unknown setting"));
    if (kv.second.IsSequence()) {
      // a list of scalars: handed over as one comma-separated value
      std::string joined;
      for (const auto& item : kv.second) {
        if (!item.IsScalar()) return std::unexpected(config_error(key, "", "expected a list of names"));
        joined += (joined.empty() ? "" : ",") + item.Scalar();
      }
      if (auto r = s->apply(c, joined); !r) return r;
      continue;
    }
    if (!kv.second.IsScalar())
      return std::unexpected(config_error(key, "", "expected a scalar value"));
    if (auto r = s->apply(c, kv.second.Scalar()); !r) return r;
  }
  return {};
}

/// Cross-field rules of the reliability settings, and derived defaults.
Status check_reliability(Config& c) {
  const auto& cb = c.circuit_breaker;
  if (cb.half_open_success_threshold > cb.half_open_requests)
    return std::unexpected(config_error("circuit_breaker.half_open_success_threshold",
                                        std::to_string(cb.half_open_success_threshold),
                                        "must not exceed half_open_requests (" +
                                            std::to_string(cb.half_open_requests) + ")"));
  const auto& rp = c.retry.policy;
  if (rp.initial_delay > rp.max_delay)
    return std::unexpected(config_error("retry_policy.initial_delay", std::to_string(rp.initial_delay.count()) + "ms",
                                        "must not exceed retry_policy.max_delay"));
  if (!c.fault_injection.faults.empty() && !c.fault_injection.enabled)
    return std::unexpected(config_error("faults.inject", "", "needs faults.enabled: true"));
  for (auto* rl : {&c.rate_limits.per_tenant, &c.rate_limits.global}) {
    if (rl->limited() && rl->burst == 0) rl->burst = std::max(1.0, rl->requests_per_second);
    if (rl->limited() && rl->burst < 1) rl->burst = 1;
  }
  return {};
}

}  // namespace

const std::vector<ConfigSetting>& config_settings() {
  static const std::vector<ConfigSetting> metas = [] {
    std::vector<ConfigSetting> out;
    for (const auto& s : settings()) out.push_back(s.meta);
    return out;
  }();
  return metas;
}

std::optional<std::chrono::milliseconds> parse_duration(std::string_view s) {
  if (s.empty()) return std::nullopt;
  double n = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (ec != std::errc{} || n < 0) return std::nullopt;
  std::string_view unit(p, s.data() + s.size() - p);
  double ms;
  if (unit.empty() || unit == "s") ms = n * 1000;
  else if (unit == "ms") ms = n;
  else if (unit == "m") ms = n * 60000;
  else if (unit == "h") ms = n * 3600000;
  else return std::nullopt;
  return std::chrono::milliseconds(static_cast<std::int64_t>(ms));
}

std::map<std::string, std::string> process_environment() {
  std::map<std::string, std::string> env;
  for (char** e = environ; e && *e; ++e) {
    std::string_view kv(*e);
    auto eq = kv.find('=');
    if (eq != std::string_view::npos) env.emplace(kv.substr(0, eq), kv.substr(eq + 1));
  }
  return env;
}

Result<Config> load_config(const std::vector<std::string>& args,
                           const std::map<std::string, std::string>& env) {
  Config c;
  // 1. find --config first, then the YAML file
  std::optional<std::string> file;
  if (auto it = env.find("VAULT_CONFIG"); it != env.end() && !it->second.empty()) file = it->second;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--config") {
      if (i + 1 >= args.size()) return fail(config_error("--config", "", "needs a file name"));
      file = args[i + 1];
    } else if (args[i].starts_with("--config=")) {
      file = args[i].substr(9);
    }
  }
  if (file) {
    YAML::Node root;
    try {
      root = YAML::LoadFile(*file);
    } catch (const std::exception& e) {
      return fail(ErrorKind::Configuration, "cannot read config file " + *file + ": " + e.what(),
                  {{"file", *file}});
    }
    if (root && !root.IsNull()) {
      try {
        if (auto s = apply_yaml(c, root, ""); !s)
          return fail(ErrorKind::Configuration, s.error().message() + " (in " + *file + ")",
                      {{"source", *file}});
      } catch (const std::exception& e) {
        return fail(ErrorKind::Configuration, "invalid config file " + *file + ": " + e.what());
      }
    }
  }
  // 2. environment
  for (const auto& s : settings()) {
    if (s.meta.env.empty()) continue;  // YAML only
    if (auto it = env.find(s.meta.env); it != env.end())
      if (auto r = s.apply(c, it->second); !r) {
        Error e = r.error();
        return fail(ErrorKind::Configuration, e.message() + " (from environment " + s.meta.env + ")",
                    {{"setting", s.meta.key}, {"source", s.meta.env}});
      }
  }
  // 3. flags
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string a = args[i];
    if (a == "--config") {
      ++i;
      continue;
    }
    if (a.starts_with("--config=")) continue;
    std::string value;
    bool have_value = false;
    if (auto eq = a.find('='); eq != std::string::npos) {
      value = a.substr(eq + 1);
      a = a.substr(0, eq);
      have_value = true;
    }
    const Setting* found = nullptr;
    for (const auto& s : settings())
      if (!s.meta.flag.empty() && s.meta.flag == a) found = &s;
    if (!found) return fail(config_error(a, "", "unknown option (see --help)"));
    if (!have_value) {
      if (i + 1 >= args.size()) return fail(config_error(a, "", "needs a value"));
      value = args[++i];
    }
    if (auto r = found->apply(c, value); !r)
      return fail(ErrorKind::Configuration, r.error().message() + " (from flag " + a + ")",
                  {{"setting", found->meta.key}, {"source", a}});
  }
  // 4. derived defaults
  std::error_code ec;
  auto abs_dir = std::filesystem::absolute(c.data_dir, ec);
  if (ec) return fail(config_error("storage.data_dir", c.data_dir, ec.message()));
  if (c.database_url.empty()) c.database_url = "sqlite://" + (abs_dir / "meta.db").string();
  if (c.blob_url.empty()) c.blob_url = "file://" + (abs_dir / "blobs").string();
  if (c.pii_cache_dir.empty()) c.pii_cache_dir = (abs_dir / "cache").string();
  if (auto s = check_reliability(c); !s) return fail(s.error());
  if (c.max_buffered_body_bytes < c.max_body_bytes)
    return fail(config_error("server.max_buffered_body_bytes", std::to_string(c.max_buffered_body_bytes),
                             "must be at least server.max_body_bytes (" + std::to_string(c.max_body_bytes) + ")"));
  return c;
}

}  // namespace vault
