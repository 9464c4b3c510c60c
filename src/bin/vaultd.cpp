// vaultd: reads the configuration, builds the object graph (stores →
// services → routes → server), serves until SIGTERM/SIGINT, shuts down
// gracefully. Exit codes: 0 clean stop, 1 start-up failure, 2 invalid
// configuration.
#include "vault/cache/cluster_events.hpp"
#include "vault/cache/read_cache.hpp"
#include "vault/cache/read_through_stores.hpp"
#include "vault/cache/redis_client.hpp"
#include "vault/cache/shared_rate_limiter.hpp"
#include "vault/core/config.hpp"
#include "vault/domain/guarded_dependencies.hpp"
#include "vault/domain/operating_mode.hpp"
#include "vault/domain/dependency_observer.hpp"
#include "vault/http/otlp_exporter.hpp"
#include "vault/observability/tracing.hpp"
#include "vault/observability/process_stats.hpp"
#include "vault/observability/slo.hpp"
#include "vault/resilience/rate_limiter.hpp"
#include "vault/core/ids.hpp"
#include "vault/core/private_files.hpp"
#include "vault/crypto/envelope.hpp"
#include "vault/crypto/key_provider.hpp"
#include "vault/crypto/observer.hpp"
#include "vault/domain/auth_service.hpp"
#include "vault/domain/blob_payload_codec.hpp"
#include "vault/domain/envelope_codec.hpp"
#include "vault/domain/key_rotation.hpp"
#include "vault/domain/tenant_purge.hpp"
#include "vault/domain/pii_metrics.hpp"
#include "vault/domain/pii_service.hpp"
#include "vault/domain/tenant_keyring.hpp"
#include "vault/domain/transit_service.hpp"
#include "vault/pii/detection/catalogue.hpp"
#include "vault/pii/detection/custom_recognizers.hpp"
#include "vault/pii/detection/scanner.hpp"
#include "vault/domain/dataset_service.hpp"
#include "vault/domain/record_service.hpp"
#include "vault/domain/version_service.hpp"
#include "vault/http/router.hpp"
#include "vault/http/server.hpp"
#include "vault/observability/health.hpp"
#include "vault/observability/logger.hpp"
#include "vault/observability/metrics.hpp"
#include "vault/storage/factory.hpp"

#include "http/api_routes.hpp"

#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <mutex>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <thread>

using namespace vault;

namespace {

void print_help() {
  std::cout << "vaultd — LLM Data Vault server\n\nusage: vaultd [--config FILE] [options]\n\n"
               "Settings (YAML key / environment / flag):\n";
  for (const auto& s : config_settings())
    std::printf("  %-32s %-28s %-22s %s\n", s.key.c_str(), s.env.empty() ? "-" : s.env.c_str(),
                s.flag.empty() ? "-" : s.flag.c_str(), s.help.c_str());
  std::cout << "\nExit codes: 0 clean shutdown, 1 start-up failure, 2 invalid configuration.\n";
}

/// Background housekeeping until stopped: the idempotency purge every 10
/// minutes, the SLO state saved every minute.
class Housekeeper {
 public:
  Housekeeper(domain::IdempotencyService& idempotency, const obs::SloTracker& slo, std::string slo_path,
              obs::Logger log)
      : thread_([this, &idempotency, &slo, slo_path, log] {
          std::unique_lock lk(mu_);
          for (int minute = 0; !stop_; ++minute) {
            if (minute % 10 == 0) {
              auto r = idempotency.purge_expired();
              if (!r) log.warn("idempotency purge failed", {{"error", r.error().message()}});
            }
            if (minute > 0)
              if (auto s = slo.save(slo_path); !s) log.warn("SLO state not saved", {{"error", s.error().message()}});
            cv_.wait_for(lk, std::chrono::minutes(1), [this] { return stop_; });
          }
        }) {}
  ~Housekeeper() {
    {
      std::lock_guard lk(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

/// Crypto operations → the spec's encryption and KMS metrics (labels are
/// operation names only: never key ids or tenants).
class MetricsCryptoObserver final : public crypto::CryptoObserver {
 public:
  explicit MetricsCryptoObserver(metrics::Registry& r)
      : ops_(r.counter("vault_encryption_operations_total", "Encryption operations",
                       {"operation", "algorithm", "status"})),
        duration_(r.histogram("vault_encryption_duration_seconds", "Duration of encryption operations",
                              {"operation"}, metrics::exponential_buckets(0.000001, 4, 12))),
        kms_(r.counter("vault_kms_operations_total", "Key provider operations", {"operation", "status"})),
        kms_duration_(r.histogram("vault_kms_duration_seconds", "Duration of key provider operations",
                                  {"operation"})) {}
  void on_operation(std::string_view op, std::string_view alg, bool ok, double seconds) override {
    ops_.labels({op, alg, ok ? "success" : "failure"}).inc();
    duration_.labels({op}).observe(seconds);
  }
  void on_kms_operation(std::string_view op, bool ok, double seconds) override {
    kms_.labels({op, ok ? "success" : "failure"}).inc();
    kms_duration_.labels({op}).observe(seconds);
  }

 private:
  metrics::CounterFamily& ops_;
  metrics::HistogramFamily& duration_;
  metrics::CounterFamily& kms_;
  metrics::HistogramFamily& kms_duration_;
};

/// Adds the recognizers of a configured file (`setting` names it in errors).
Status add_recognizer_file(pii::Catalogue& cat, const std::string& setting, const std::string& path,
                           bool gitleaks) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(ErrorKind::Configuration, setting + ": cannot read " + path);
  std::stringstream text;
  text << in.rdbuf();
  auto specs = gitleaks ? pii::parse_gitleaks_toml(text.str()) : pii::parse_custom_recognizers_text(text.str());
  if (!specs) return fail(ErrorKind::Configuration, setting + ": " + specs.error().message());
  for (auto& spec : *specs)
    if (auto s = cat.add(std::move(spec)); !s)
      return fail(ErrorKind::Configuration, setting + ": " + s.error().message());
  return {};
}

/// The recognizer catalogue: built-ins plus the configured rule files.
Result<pii::Catalogue> pii_catalogue(const Config& cfg) {
  pii::Catalogue cat = pii::Catalogue::defaults();
  if (!cfg.pii_gitleaks_rules.empty())
    if (auto s = add_recognizer_file(cat, "pii.gitleaks_rules", cfg.pii_gitleaks_rules, true); !s)
      return std::unexpected(s.error());
  if (!cfg.pii_recognizers.empty())
    if (auto s = add_recognizer_file(cat, "pii.recognizers", cfg.pii_recognizers, false); !s)
      return std::unexpected(s.error());
  return cat;
}

int fail_start(obs::Logger& log, const Error& e) {
  log.error("start-up failed", {{"code", error_code_string(e.kind())}, {"error", e.message()}});
  std::cerr << "vaultd: " << e.message() << "\n";
  return e.kind() == ErrorKind::Configuration ? 2 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  for (const auto& a : args) {
    if (a == "--help" || a == "-h") {
      print_help();
      return 0;
    }
    if (a == "--version") {
      std::cout << "vaultd 0.1.0\n";
      return 0;
    }
  }
  auto cfg = load_config(args, process_environment());
  if (!cfg) {
    std::cerr << "vaultd: " << cfg.error().message() << "\n";
    return 2;
  }
  obs::Logger log("vaultd", *obs::parse_log_level(cfg->log_level));
  // Every file vaultd creates is owner-only (directories 0700, files 0600),
  // whatever the code path that creates it.
  ::umask(077);

  // Signals are handled by one thread with sigwait; block them everywhere else
  // before any thread starts.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  obs::HealthRegistry health;
  auto& metrics = metrics::default_registry();

  // ---- dependency guards: deadline, breaker, bulkhead and chaos faults on
  // the metadata store, the blob store and the key provider
  domain::DependencyGuards guards(*cfg);
  auto& breaker_state = metrics.gauge("vault_circuit_breaker_state",
                                      "Circuit breaker of each dependency: 0 closed, 1 open, 2 half-open.",
                                      {"dependency"});
  obs::Logger resilience_log = log.named("resilience");
  for (resilience::DependencyGuard* g : guards.all()) {
    breaker_state.labels({g->dependency()}).set(0);
    g->breaker().on_state_change([&breaker_state, &resilience_log, dep = g->dependency()](resilience::CircuitState s) {
      breaker_state.labels({dep}).set(resilience::circuit_state_value(s));
      resilience_log.warn("circuit breaker state changed",
                          {{"dependency", dep}, {"state", resilience::circuit_state_name(s)}});
    });
  }
  // The bulkheads (spec 3.3): the guards' storage and KMS pools and the
  // process's own (api_requests, pii_scanning, crypto_operations).
  domain::WorkPools pools(*cfg);
  const std::vector<resilience::Bulkhead*> bulkheads = domain::all_bulkheads(guards, pools);
  auto& bulkhead_in_use = metrics.gauge("vault_bulkhead_in_use", "Calls running inside each bulkhead.", {"bulkhead"});
  auto& bulkhead_queued = metrics.gauge("vault_bulkhead_queued", "Calls waiting for a slot of each bulkhead.", {"bulkhead"});
  auto& bulkhead_limit = metrics.gauge("vault_bulkhead_max_concurrent", "Slots of each bulkhead (max_concurrent).",
                                       {"bulkhead"});
  auto& bulkhead_rejected = metrics.counter("vault_bulkhead_rejected_total",
                                            "Calls each bulkhead refused (full, or waited too long).", {"bulkhead"});
  metrics.add_collector([&, mu = std::make_shared<std::mutex>()] {
    std::lock_guard lock(*mu);  // the counters advance by the difference: one collector at a time
    for (resilience::Bulkhead* b : bulkheads) {
      bulkhead_in_use.labels({b->name()}).set(b->in_use());
      bulkhead_queued.labels({b->name()}).set(b->queued());
      bulkhead_limit.labels({b->name()}).set(b->config().max_concurrent);
      metrics::Counter& rejected = bulkhead_rejected.labels({b->name()});
      rejected.inc(static_cast<double>(b->rejected()) - rejected.value());
    }
  });
  // Process threads and memory, read at each scrape (spec 6.2 system metrics).
  auto& memory_bytes = metrics.gauge("vault_memory_bytes", "Resident memory of vaultd by kind (rss = rss_anon + rss_file)",
                                     {"type"});
  auto& threads_count = metrics.gauge("vault_threads", "Threads of the vaultd process").get();
  metrics.add_collector([&memory_bytes, &threads_count] {
    const obs::ProcessStats p = obs::read_process_stats();
    memory_bytes.labels({"rss"}).set(static_cast<double>(p.rss_bytes));
    memory_bytes.labels({"rss_anon"}).set(static_cast<double>(p.rss_anon_bytes));
    memory_bytes.labels({"rss_file"}).set(static_cast<double>(p.rss_file_bytes));
    threads_count.set(static_cast<double>(p.threads));
  });
  // Storage metrics and child spans of every dependency call.
  std::unique_ptr<resilience::CallObserver> dependency_observer = domain::make_dependency_observer(metrics);
  for (resilience::DependencyGuard* g : guards.all()) g->set_observer(dependency_observer.get());
  // Spans (spec 6.3): only when an exporter is configured.
  std::unique_ptr<obs::Tracer> tracer;
  if (!cfg->tracing.exporters.empty()) {
    std::vector<std::unique_ptr<obs::SpanExporter>> exporters;
    for (const auto& e : cfg->tracing.exporters) {
      if (e.type == "log") {
        exporters.push_back(obs::json_lines_exporter(e.endpoint));
      } else {
        auto x = http::otlp_http_exporter(e.endpoint, std::chrono::seconds(5));
        if (!x) return fail_start(log, Error(ErrorKind::Configuration, x.error().message()));
        exporters.push_back(std::move(*x));
      }
    }
    tracer = std::make_unique<obs::Tracer>(cfg->tracing, std::move(exporters));
    log.info("tracing enabled", {{"exporters", cfg->tracing.exporters.size()},
                                 {"default_rate", cfg->tracing.default_rate}});
  }
  if (cfg->fault_injection.enabled)
    log.warn("fault injection is enabled (faults.enabled): for chaos tests only",
             {{"faults", cfg->fault_injection.faults.size()}});
  domain::OperatingMode mode(cfg->read_only_mode, cfg->degraded_mode);
  // SLOs (spec 11): measured per request, the 30-day state kept across restarts.
  obs::SloTracker slo;
  const std::string slo_path = (std::filesystem::path(cfg->data_dir) / "slo.json").string();
  auto& budget_remaining = metrics.gauge("vault_error_budget_remaining",
                                         "Error budget left over 30 days (1 untouched, 0 spent)", {"slo"});
  auto& burn_rate = metrics.gauge("vault_slo_burn_rate", "Error ratio over the window / allowed error ratio",
                                  {"slo", "window"});
  metrics.add_collector([&slo, &budget_remaining, &burn_rate] {
    budget_remaining.labels({"availability"}).set(slo.availability_budget_remaining());
    budget_remaining.labels({"latency"}).set(slo.latency_budget_remaining());
    for (auto [name, w] : {std::pair{"5m", std::chrono::minutes(5)}, std::pair{"1h", std::chrono::minutes(60)},
                           std::pair{"6h", std::chrono::minutes(360)}}) {
      burn_rate.labels({"availability", name}).set(slo.availability_burn_rate(w));
      burn_rate.labels({"latency", name}).set(slo.latency_burn_rate(w));
    }
  });

  // ---- storage
  std::unique_ptr<storage::MetadataBackend> backend;
  std::unique_ptr<storage::BlobStore> blobs;
  {
    auto step = health.step("data_dir");
    auto created = make_private_dir(cfg->data_dir);
    if (!created) {
      step.finish("failed");
      return fail_start(log, Error(ErrorKind::Configuration,
                                   "cannot create data directory " + cfg->data_dir + ": " + created.error().message()));
    }
    // Owner-only data: existing files and directories with group/other
    // bits (an older version, a copy, a restore) are tightened before the
    // stores open them.
    if (auto loaded = slo.load(slo_path); !loaded)
      log.warn("SLO state not loaded", {{"error", loaded.error().message()}});
    auto tightened = tighten_tree(cfg->data_dir);
    if (!tightened) log.warn("data directory permissions could not all be restricted", {{"error", tightened.error().message()}});
    std::vector<TightenedPath> changed = std::move(*created);
    if (tightened) changed.insert(changed.end(), tightened->begin(), tightened->end());
    constexpr std::size_t kMaxReported = 50;
    for (std::size_t i = 0; i < changed.size() && i < kMaxReported; ++i)
      log.warn("tightened permissions in the data directory (group/other access removed)",
               {{"path", changed[i].path}, {"old_mode", octal_mode(changed[i].old_mode)},
                {"new_mode", octal_mode(changed[i].new_mode)}});
    if (changed.size() > kMaxReported)
      log.warn("tightened permissions of more paths in the data directory",
               {{"count", changed.size() - kMaxReported}});
  }
  {
    auto step = health.step("metadata_store");
    auto s = storage::open_metadata_store(
        cfg->database_url,
        storage::MetadataStoreOptions{static_cast<std::size_t>(cfg->database_pool_size),
                                      cfg->timeouts.database.connection_timeout,
                                      cfg->timeouts.database.query_timeout});
    if (!s) {
      step.finish("failed");
      return fail_start(log, s.error());
    }
    backend = std::move(*s);
    backend->stores().ops.set_guard(&guards.metadata_store);
  }
  {
    auto step = health.step("blob_store");
    const auto& st = cfg->timeouts.storage;
    auto b = storage::open_blob_store(cfg->blob_url,
                                      storage::BlobStoreOptions{cfg->timeouts.database.connection_timeout,
                                                                st.read_timeout, st.write_timeout,
                                                                st.metadata_timeout});
    if (!b) {
      step.finish("failed");
      return fail_start(log, b.error());
    }
    blobs = domain::guarded(std::move(*b), guards.blob_store);
  }
  // Redis, shared by replicas (optional, never critical): opened lazily, so a
  // Redis that is down at start does not keep the vault from starting.
  std::unique_ptr<cache::RedisClient> redis;
  if (!cfg->cache_url.empty()) {
    auto step = health.step("cache");
    const auto t = cfg->timeouts.cache_operation_timeout;
    auto r = cache::RedisClient::open(
        cfg->cache_url,
        cache::RedisOptions{t, t, static_cast<std::size_t>(cfg->bulkheads.at("cache_operations").max_concurrent)});
    if (!r) {
      step.finish("failed");
      return fail_start(log, r.error());
    }
    redis = std::move(*r);
  }

  // The read cache (Redis): copies of datasets and records that answer reads
  // while the metadata store cannot (cache/read_through_stores.hpp); the
  // services see the stores through it.
  std::unique_ptr<cache::ReadCache> read_cache;
  std::unique_ptr<cache::ReadThroughDatasetStore> read_through_datasets;
  std::unique_ptr<cache::ReadThroughRecordStore> read_through_records;
  if (redis && cfg->read_cache_ttl.count() > 0) {
    read_cache = std::make_unique<cache::ReadCache>(*redis, guards.cache, cache::ReadCacheOptions{cfg->read_cache_ttl},
                                                    log.named("read_cache"));
    read_through_datasets = std::make_unique<cache::ReadThroughDatasetStore>(backend->stores().datasets, *read_cache);
    read_through_records = std::make_unique<cache::ReadThroughRecordStore>(backend->stores().records, *read_cache);
  }
  const storage::Stores& backend_stores = backend->stores();
  const storage::Stores served_stores{
      backend_stores.tenants,
      read_through_datasets ? *read_through_datasets : backend_stores.datasets,
      read_through_records ? *read_through_records : backend_stores.records,
      backend_stores.versions,
      backend_stores.keys,
      backend_stores.jobs,
      backend_stores.tokens,
      backend_stores.idempotency,
      backend_stores.ops};

  // ---- services
  const storage::Stores& stores = served_stores;
  if (stores.ops.connection_pool()) {  // a networked metadata store (PostgreSQL)
    auto& pool_connections = metrics.gauge("vault_database_connections",
                                           "Connections of the metadata store's pool by state (in_use, idle).",
                                           {"state"});
    auto& pool_max = metrics
                         .gauge("vault_database_connections_max",
                                "Connections the metadata store's pool opens at most (storage.database_pool_size).")
                         .get();
    metrics.add_collector([&stores, &pool_connections, &pool_max] {
      if (auto u = stores.ops.connection_pool()) {
        pool_connections.labels({"in_use"}).set(static_cast<double>(u->in_use));
        pool_connections.labels({"idle"}).set(static_cast<double>(u->open - u->in_use));
        pool_max.set(static_cast<double>(u->size));
      }
    });
  }
  domain::AuthService auth(stores.tenants);
  // Keys valid just before the store went away keep working with the copies.
  if (read_cache) auth.set_stale_grace(cfg->read_cache_ttl);
  {
    auto step = health.step("bootstrap");
    auto boot = auth.bootstrap(cfg->bootstrap_admin_key);
    if (!boot) {
      step.finish("failed");
      return fail_start(log, boot.error());
    }
    if (*boot) {
      // Printed once, to the terminal of the first start; only its hash is stored.
      std::cout << "\n=== LLM Data Vault: bootstrap admin API key (shown once, store it now) ===\n"
                << "VAULT_BOOTSTRAP_ADMIN_KEY=" << **boot << "\n"
                << "===========================================================================\n"
                << std::flush;
    }
  }
  // Key lifecycle: services that change keys publish here; key caches subscribe.
  domain::KeyEvents key_events;
  domain::DatasetService datasets(stores.datasets, key_events);
  // With Redis: key changes and revocations reach every replica at once.
  std::unique_ptr<cache::ClusterEvents> cluster_events;
  if (redis)
    cluster_events = std::make_unique<cache::ClusterEvents>(*redis, guards.cache, key_events, auth,
                                                            log.named("cluster"));

  // ---- keys (always: tenant keys for PII operators and transit need them)
  MetricsCryptoObserver crypto_metrics(metrics);
  crypto::set_crypto_observer(&crypto_metrics);
  std::unique_ptr<crypto::Envelope> envelope;
  {
    auto step = health.step("key_provider");
    auto kp = crypto::open_key_provider(cfg->key_provider_url, crypto::KeyProviderDefaults{cfg->data_dir});
    if (!kp) {
      step.finish("failed");
      return fail_start(log, kp.error());
    }
    envelope = std::make_unique<crypto::Envelope>(
        std::shared_ptr<crypto::KeyProvider>(domain::guarded(std::move(*kp), guards.key_provider)));
  }
  // A KEK version added or retired (here, or on another replica: ClusterEvents).
  domain::KeyEvents::Subscription kek_changed = key_events.on_tenant_kek_changed(
      [&envelope](const std::string& tenant_id) { envelope->provider().forget_cached(tenant_id); });
  domain::KeyEvents::Subscription all_keys_changed =
      key_events.on_all_keys_changed([&envelope] { envelope->provider().forget_all_cached(); });
  // Named per-tenant keys (transit keys, "_anonymization"), wrapped by the tenant KEKs.
  domain::TenantKeyring tenant_keys(stores.keys, envelope->provider(), key_events);
  domain::TransitService transit(tenant_keys);  // /api/v1/transit

  // ---- encryption at rest
  std::unique_ptr<domain::EnvelopePayloadCodec> envelope_codec;
  domain::PlainPayloadCodec plain_codec;
  domain::PayloadCodec* codec = &plain_codec;
  if (cfg->encryption_enabled) {
    envelope_codec = std::make_unique<domain::EnvelopePayloadCodec>(stores.keys, *envelope, key_events);
    codec = envelope_codec.get();
  } else {
    log.warn("encryption at rest is disabled (encryption.enabled=false): record payloads are stored in clear");
  }
  // ---- PII scanning and anonymization
  std::unique_ptr<domain::PiiObserver> pii_metrics = domain::make_pii_metrics_observer(metrics);
  std::unique_ptr<domain::PiiService> pii_service;
  if (cfg->pii_enabled) {
    auto step = health.step("pii_scanner");
    auto catalogue = pii_catalogue(*cfg);
    if (!catalogue) {
      step.finish("failed");
      return fail_start(log, catalogue.error());
    }
    // Compiled pattern databases are kept in the data dir: a restart loads
    // them in milliseconds instead of compiling for seconds.
    auto scanner = pii::Scanner::create(*catalogue, {.compile_cache_dir = cfg->pii_cache_dir});
    if (!scanner) {
      step.finish("failed");
      return fail_start(log, scanner.error());
    }
    domain::PiiOptions pii_options;
    pii_options.default_policy_json = cfg->pii_default_policy;
    pii_options.scan_pool = &pools.pii_scanning;
    // Anonymization keys: HKDF of the tenant key "_anonymization" (wrapped by
    // the tenant's KEK in the tenant keyring), version 1 for life (pseudonyms
    // and hashes must stay stable); PiiService caches the derived keys.
    domain::PiiService::KeySource anonymizer_keys =
        [&tenant_keys](const std::string& tenant) -> Result<std::shared_ptr<const pii::AnonymizerKeys>> {
      if (auto e = tenant_keys.ensure(tenant, "_anonymization"); !e) return std::unexpected(e.error());
      auto k = tenant_keys.key(tenant, "_anonymization", 1);
      if (!k) return std::unexpected(k.error());
      auto derived = pii::derive_anonymizer_keys((*k)->key.span(), tenant);
      if (!derived) return std::unexpected(derived.error());
      return std::make_shared<const pii::AnonymizerKeys>(std::move(*derived));
    };
    auto svc = domain::PiiService::create(std::move(*scanner), stores.tokens, anonymizer_keys, key_events,
                                          pii_options, pii_metrics.get());
    if (!svc) {
      step.finish("failed");
      return fail_start(log, svc.error());
    }
    pii_service = std::move(*svc);
  } else {
    log.warn("PII scanning is disabled (pii.enabled=false): records are stored without inspection");
  }
  domain::RecordLimits limits;
  limits.max_batch_records = cfg->max_batch_records;
  // Import parses, scans and seals on these threads (concurrent imports share them).
  const int import_threads = static_cast<int>(std::clamp(std::thread::hardware_concurrency(), 2u, 8u));
  WorkerPool import_pool(import_threads, static_cast<std::size_t>(4 * import_threads));
  std::unique_ptr<domain::PayloadCodec> pooled_codec = domain::bulkheaded(*codec, pools.crypto_operations);
  // Payloads larger than storage.inline_max_bytes (sealed) go to the blob
  // store (outside the crypto bulkhead: the blob store's guard has its own).
  std::unique_ptr<domain::PayloadCodec> blob_codec =
      domain::blob_payloads(*pooled_codec, *blobs, static_cast<std::size_t>(cfg->inline_max_bytes));
  domain::RecordService records(stores.records, stores.versions, datasets, *blob_codec, pii_service.get(), limits,
                                pii_service.get(), &import_pool);
  domain::VersionService versions(stores.versions, datasets, records, tenant_keys);

  http::Router router;
  domain::IdempotencyService idempotency(stores.idempotency, cfg->encryption_enabled ? &tenant_keys : nullptr,
                                         cfg->encryption_enabled ? &envelope->provider() : nullptr,
                                         cfg->idempotency_ttl);
  http::ApiServices api{auth, datasets, records, versions, idempotency};
  api.pii = pii_service.get();

  // ---- key rotation jobs (resumed from the store) and tenant purge
  domain::KeyRotationService rotation(stores, *envelope, key_events);
  rotation.set_blob_store(blobs.get());
  auto& rotation_progress = metrics.gauge("vault_key_rotation_progress_ratio",
                                          "Progress of the latest key rotation job of each type (0-1)", {"type"});
  auto& rotation_jobs = metrics.counter("vault_key_rotation_jobs_total", "Key rotation jobs that ended",
                                        {"type", "status"});
  for (auto type : {storage::KeyJobType::KekRotation, storage::KeyJobType::DekRotation})
    rotation_progress.labels({storage::key_job_type_name(type)}).set(0);
  rotation.set_observer(domain::KeyRotationObserver{
      [&rotation_progress](std::string_view type, double ratio) { rotation_progress.labels({type}).set(ratio); },
      [&rotation_jobs](std::string_view type, std::string_view status) { rotation_jobs.labels({type, status}).inc(); }});
  domain::TenantPurger purger(stores.tenants, stores.datasets, auth, envelope.get(), &rotation, key_events);
  api.rotation = &rotation;
  api.purger = &purger;
  if (auto resumed = rotation.resume(); !resumed)
    log.warn("key rotation jobs could not be resumed", {{"code", error_code_string(resumed.error().kind())}});
  else if (*resumed > 0)
    log.info("key rotation jobs resumed", {{"jobs", *resumed}});
  api.transit = &transit;
  api.faults = &guards.faults;
  api.mode = &mode;
  api.slo = &slo;
  api.blobs = blobs.get();
  http::register_api_routes(router, api);

  // Readiness (spec 4.3): each dependency check with its configured
  // timeout and criticality; open breakers and the operating mode degrade.
  // Slower than the thresholds (DB 100 ms, KMS 200 ms) is degraded.
  auto add_check = [&](const std::string& name, const std::string& setting, obs::HealthRegistry::Check check,
                       std::chrono::milliseconds slow_after, obs::HealthRegistry::Note note = {}) {
    const ReadinessCheckSettings& rc = cfg->readiness_checks.at(setting);
    if (rc.enabled) health.add(name, std::move(check), rc.critical, rc.timeout, slow_after, std::move(note));
  };
  using std::chrono::milliseconds;
  add_check("metadata_store", "database", [&] { return stores.ops.ping(); }, milliseconds(100),
            [&] { return stores.ops.describe(); });
  add_check("blob_store", "storage", [&] { return blobs->ping(); }, milliseconds(100));
  add_check("key_provider", "kms", [&] { return envelope->provider().ping(); }, milliseconds(200));
  if (redis)  // spec 4.3: PING, not critical (requests bypass a cache that is away)
    add_check("cache", "redis", [&] { return guards.cache.probe([&] { return redis->ping(); }); },
              milliseconds(100), [&] { return cluster_events->describe(); });
  health.add("bulkheads", [&bulkheads]() -> Status {
        std::string busy;
        for (resilience::Bulkhead* b : bulkheads)
          if (b->utilization() > 0.9)
            busy += (busy.empty() ? "" : ", ") + b->name() + " " + std::to_string(b->in_use()) + " in use, " +
                    std::to_string(b->queued()) + " queued";
        if (!busy.empty()) return fail(ErrorKind::Overloaded, "pool pressure: " + busy, {{"degraded", true}});
        return {};
      }, false);
  health.add("circuit_breakers", [&guards]() -> Status {
        std::string open;
        for (resilience::DependencyGuard* g : guards.all())
          if (g->breaker().state() == resilience::CircuitState::Open) open += (open.empty() ? "" : ", ") + g->dependency();
        if (!open.empty()) return fail(ErrorKind::CircuitOpen, "circuit breaker open: " + open);
        return {};
      }, false);
  health.add("operating_mode", [&mode]() -> Status {
        if (mode.degraded()) return fail(ErrorKind::MaintenanceMode, "degraded mode: writes are refused");
        if (mode.read_only()) return fail(ErrorKind::MaintenanceMode, "read-only mode: writes are refused");
        return {};
      }, false);
  health.add("disk_space", [dir = cfg->data_dir]() -> Status {
        struct statvfs st {};
        if (statvfs(dir.c_str(), &st) != 0) return fail(ErrorKind::BlobStorage, "cannot stat data directory");
        const double free_ratio = st.f_blocks ? static_cast<double>(st.f_bavail) / st.f_blocks : 0;
        if (free_ratio < 0.05) return fail(ErrorKind::BlobStorage, "less than 5% disk space free");
        return {};
      }, false);

  http::ServerOptions opts;
  opts.host = cfg->listen_host;
  opts.port = cfg->listen_port;
  opts.io_threads = cfg->io_threads;
  opts.worker_threads = cfg->worker_threads;
  opts.worker_queue_limit = cfg->worker_queue_limit;
  opts.max_body_bytes = cfg->max_body_bytes;
  opts.request_timeout = cfg->timeouts.deadline;
  opts.header_timeout = cfg->timeouts.request.header_timeout;
  opts.read_timeout = cfg->timeouts.request.read_timeout;
  opts.write_timeout = cfg->timeouts.request.write_timeout;
  opts.chunk_timeout = cfg->timeouts.streaming.chunk_timeout;
  opts.idle_timeout = cfg->timeouts.request.idle_timeout;
  opts.shutdown_timeout = cfg->timeouts.jobs.shutdown_timeout;
  opts.drain_delay = cfg->timeouts.drain_delay;
  opts.max_connections = cfg->max_connections;
  opts.max_buffered_body_bytes = cfg->max_buffered_body_bytes;
  opts.metrics_token = cfg->metrics_token.value_or("");
  opts.admin_host = cfg->admin_listen_host;
  opts.admin_port = cfg->admin_listen_port;
  // Rate limits: in Redis when there is one (shared by replicas), else here.
  std::unique_ptr<resilience::Admission> rate_limiter;
  if (cfg->rate_limits.per_tenant.limited() || cfg->rate_limits.global.limited()) {
    if (redis)
      rate_limiter = std::make_unique<cache::SharedRateLimiter>(*redis, guards.cache, cfg->rate_limits.per_tenant,
                                                                cfg->rate_limits.global);
    else
      rate_limiter = std::make_unique<resilience::RateLimiter>(cfg->rate_limits.per_tenant, cfg->rate_limits.global);
    opts.rate_limiter = rate_limiter.get();
  }
  if (redis) {  // what replicas share through Redis, read at each scrape
    auto& subscribed = metrics.gauge("vault_cache_events_subscribed",
                                     "1 while the cache-invalidation channel (Redis pub/sub) is subscribed").get();
    auto& events = metrics.counter("vault_cache_events_total",
                                   "Cache invalidations published to and received from other replicas", {"direction"});
    auto& fallbacks = metrics.counter("vault_rate_limit_fallbacks_total",
                                      "Rate-limit decisions taken by this replica's own buckets (Redis not usable)").get();
    auto* shared_limiter = dynamic_cast<cache::SharedRateLimiter*>(rate_limiter.get());
    metrics.add_collector([&, shared_limiter, mu = std::make_shared<std::mutex>()] {
      std::lock_guard lock(*mu);  // counters advance by the difference: one collector at a time
      subscribed.set(cluster_events->subscribed() ? 1 : 0);
      auto& pub = events.labels({"published"});
      pub.inc(static_cast<double>(cluster_events->published()) - pub.value());
      auto& rec = events.labels({"received"});
      rec.inc(static_cast<double>(cluster_events->received()) - rec.value());
      if (shared_limiter) fallbacks.inc(static_cast<double>(shared_limiter->fallbacks()) - fallbacks.value());
    });
  }
  if (read_cache) {
    auto& ops = metrics.counter("vault_read_cache_total",
                                "Read cache: copies written to Redis (written), refused by Redis as older than "
                                "its own (refused), not written (dropped); reads answered from a copy while the "
                                "metadata store could not answer (served) or not (missed)",
                                {"result"});
    metrics.add_collector([&ops, &read_cache, mu = std::make_shared<std::mutex>()] {
      std::lock_guard lock(*mu);
      const cache::ReadCacheStats st = read_cache->stats();
      for (auto [name, value] : {std::pair{"written", st.written}, std::pair{"refused", st.refused},
                                 std::pair{"dropped", st.dropped}, std::pair{"served", st.served},
                                 std::pair{"missed", st.missed}}) {
        auto& c = ops.labels({name});
        c.inc(static_cast<double>(value) - c.value());
      }
    });
  }
  opts.mode = &mode;
  opts.slo = &slo;
  opts.tracer = tracer.get();
  opts.api_bulkhead = &pools.api_requests;
  opts.dependencies_fast = [&guards] {
    if (guards.faults.any()) return false;
    for (resilience::DependencyGuard* g : guards.all())
      if (!g->breaker().closed_now()) return false;
    return true;
  };

  http::Authenticator authenticator = [&auth](std::string_view bearer) -> Result<http::Principal> {
    auto c = auth.authenticate(bearer);
    if (!c) return std::unexpected(c.error());
    return http::Principal{c->tenant_id, c->api_key_id, c->role, c->platform_admin, c->permissions};
  };
  http::Server server(opts, router, authenticator, health, metrics, log);
  {
    auto step = health.step("http_listener");
    if (auto s = server.start(); !s) {
      step.finish("failed");
      return fail_start(log, s.error());
    }
  }
  health.mark_started();
  Housekeeper housekeeper(idempotency, slo, slo_path, log.named("housekeeper"));
  if (server.admin_bound_port() != 0)
    log.info("admin listener started",
             {{"admin_listen", cfg->admin_listen_host + ":" + std::to_string(server.admin_bound_port())}});
  log.info("vaultd started", {{"listen", cfg->listen_host + ":" + std::to_string(server.bound_port())},
                              {"database", cfg->database_url.substr(0, cfg->database_url.find(':'))},
                              {"schema_version", stores.ops.schema_version()}});

  std::thread signal_thread([&] {
    int sig = 0;
    sigwait(&signals, &sig);
    log.info("shutdown requested", {{"signal", sig == SIGTERM ? "SIGTERM" : "SIGINT"}});
    health.set_shutting_down();
    server.shutdown();
  });

  server.wait();
  // If the server stopped for another reason, release the signal thread.
  if (!server.shutting_down()) {
    server.shutdown();
  }
  pthread_kill(signal_thread.native_handle(), SIGTERM);
  signal_thread.join();
  log.info("shutdown: requests finished; stopping background jobs");
  if (auto s = slo.save(slo_path); !s) log.warn("SLO state not saved", {{"error", s.error().message()}});
  rotation.stop();  // running jobs stay "running" in the store and resume at the next start
  log.info("shutdown: closing the stores (pending writes flushed)");
  stores.ops.close();
  crypto::set_crypto_observer(nullptr);
  log.info("vaultd stopped");
  return 0;
}
