#include "vault/core/config.hpp"

#include <yaml-cpp/yaml.h>

#include <charconv>
#include <filesystem>
#include <functional>

extern char** environ;

namespace vault {
namespace {

using Apply = std::function<Status(Config&, const std::string&)>;

struct Setting {
  ConfigSetting meta;
  Apply apply;
};

Error config_error(const std::string& key, const std::string& value, const std::string& why) {
  // Values of secret settings are never echoed.
  const bool secret = key.find("key") != std::string::npos || key.find("token") != std::string::npos;
  return Error(ErrorKind::Configuration,
               "invalid configuration " + key + (secret ? "" : "='" + value + "'") + ": " + why,
               {{"setting", key}});
}

template <class Int>
Apply int_setting(const std::string& key, Int Config::*field, Int lo, Int hi) {
  return [=](Config& c, const std::string& v) -> Status {
    Int n{};
    auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (ec != std::errc{} || p != v.data() + v.size())
      return std::unexpected(config_error(key, v, "not an integer"));
    if (n < lo || n > hi)
      return std::unexpected(config_error(
          key, v, "out of range [" + std::to_string(lo) + ", " + std::to_string(hi) + "]"));
    c.*field = n;
    return {};
  };
}

Apply string_setting(const std::string& key, std::string Config::*field, bool non_empty = true) {
  return [=](Config& c, const std::string& v) -> Status {
    if (non_empty && v.empty()) return std::unexpected(config_error(key, v, "must not be empty"));
    c.*field = v;
    return {};
  };
}

Apply bool_setting(const std::string& key, bool Config::*field) {
  return [key, field](Config& c, const std::string& v) -> Status {
    if (v == "true" || v == "1" || v == "on") c.*field = true;
    else if (v == "false" || v == "0" || v == "off") c.*field = false;
    else return std::unexpected(config_error(key, v, "expected true or false"));
    return {};
  };
}

Apply duration_setting(const std::string& key, std::chrono::milliseconds Config::*field) {
  return [=](Config& c, const std::string& v) -> Status {
    auto d = parse_duration(v);
    if (!d || d->count() <= 0)
      return std::unexpected(config_error(key, v, "expected a positive duration like 30s or 500ms"));
    c.*field = *d;
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

const std::vector<Setting>& settings() {
  static const std::vector<Setting> table = {
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
        "metadata store URL (sqlite://...)"},
       string_setting("storage.database_url", &Config::database_url)},
      {{"storage.blob_url", "VAULT_BLOB_URL", "--blob-url", "blob store URL (file://...)"},
       string_setting("storage.blob_url", &Config::blob_url)},
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
      {{"timeouts.request", "VAULT_REQUEST_TIMEOUT", "--request-timeout", "request deadline"},
       duration_setting("timeouts.request", &Config::request_timeout)},
      {{"timeouts.idle", "VAULT_IDLE_TIMEOUT", "--idle-timeout", "idle keep-alive timeout"},
       duration_setting("timeouts.idle", &Config::idle_timeout)},
      {{"timeouts.jobs.shutdown_timeout", "VAULT_SHUTDOWN_TIMEOUT", "--shutdown-timeout",
        "how long in-flight requests may run after SIGTERM"},
       duration_setting("timeouts.jobs.shutdown_timeout", &Config::shutdown_timeout)},
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
    if (kv.second.IsMap()) {
      if (auto s = apply_yaml(c, kv.second, key); !s) return s;
      continue;
    }
    const Setting* s = find_by_key(key);
    if (!s || s->meta.env == "VAULT_BOOTSTRAP_ADMIN_KEY")
      return std::unexpected(config_error(key, "", "unknown setting"));
    if (!kv.second.IsScalar())
      return std::unexpected(config_error(key, "", "expected a scalar value"));
    if (auto r = s->apply(c, kv.second.Scalar()); !r) return r;
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
  if (c.max_buffered_body_bytes < c.max_body_bytes)
    return fail(config_error("server.max_buffered_body_bytes", std::to_string(c.max_buffered_body_bytes),
                             "must be at least server.max_body_bytes (" + std::to_string(c.max_body_bytes) + ")"));
  return c;
}

}  // namespace vault
