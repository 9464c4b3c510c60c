// vaultd: reads the configuration, builds the object graph (stores →
// services → routes → server), serves until SIGTERM/SIGINT, shuts down
// gracefully. Exit codes: 0 clean stop, 1 start-up failure, 2 invalid
// configuration.
#include "vault/core/config.hpp"
#include "vault/core/ids.hpp"
#include "vault/crypto/envelope.hpp"
#include "vault/crypto/key_provider.hpp"
#include "vault/crypto/observer.hpp"
#include "vault/domain/auth_service.hpp"
#include "vault/domain/envelope_codec.hpp"
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
#include <iostream>
#include <mutex>
#include <sys/statvfs.h>
#include <thread>

using namespace vault;

namespace {

void print_help() {
  std::cout << "vaultd — LLM Data Vault server\n\nusage: vaultd [--config FILE] [options]\n\n"
               "Settings (YAML key / environment / flag):\n";
  for (const auto& s : config_settings())
    std::printf("  %-32s %-28s %-22s %s\n", s.key.c_str(), s.env.c_str(),
                s.flag.empty() ? "-" : s.flag.c_str(), s.help.c_str());
  std::cout << "\nExit codes: 0 clean shutdown, 1 start-up failure, 2 invalid configuration.\n";
}

/// Background housekeeping (idempotency purge) until stopped.
class Housekeeper {
 public:
  Housekeeper(storage::MetadataStore& store, std::chrono::seconds ttl, obs::Logger log)
      : thread_([this, &store, ttl, log] {
          std::unique_lock lk(mu_);
          while (!stop_) {
            auto r = store.purge_idempotency(now_micros() - ttl.count() * 1000000);
            if (!r) log.warn("idempotency purge failed", {{"error", r.error().message()}});
            cv_.wait_for(lk, std::chrono::minutes(10), [this] { return stop_; });
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

  // ---- storage
  std::unique_ptr<storage::MetadataStore> store;
  std::unique_ptr<storage::BlobStore> blobs;
  {
    auto step = health.step("data_dir");
    std::error_code ec;
    std::filesystem::create_directories(cfg->data_dir, ec);
    if (ec) {
      step.finish("failed");
      return fail_start(log, Error(ErrorKind::Configuration,
                                   "cannot create data directory " + cfg->data_dir + ": " + ec.message()));
    }
  }
  {
    auto step = health.step("metadata_store");
    auto s = storage::open_metadata_store(cfg->database_url);
    if (!s) {
      step.finish("failed");
      return fail_start(log, s.error());
    }
    store = std::move(*s);
  }
  {
    auto step = health.step("blob_store");
    auto b = storage::open_blob_store(cfg->blob_url);
    if (!b) {
      step.finish("failed");
      return fail_start(log, b.error());
    }
    blobs = std::move(*b);
  }

  // ---- services
  domain::AuthService auth(*store);
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
  domain::DatasetService datasets(*store);

  // ---- encryption at rest
  MetricsCryptoObserver crypto_metrics(metrics);
  crypto::set_crypto_observer(&crypto_metrics);
  std::unique_ptr<crypto::Envelope> envelope;
  std::unique_ptr<domain::EnvelopePayloadCodec> envelope_codec;
  domain::PlainPayloadCodec plain_codec;
  domain::PayloadCodec* codec = &plain_codec;
  if (cfg->encryption_enabled) {
    auto step = health.step("key_provider");
    auto kp = crypto::open_key_provider(cfg->key_provider_url, crypto::KeyProviderDefaults{cfg->data_dir});
    if (!kp) {
      step.finish("failed");
      return fail_start(log, kp.error());
    }
    envelope = std::make_unique<crypto::Envelope>(std::shared_ptr<crypto::KeyProvider>(std::move(*kp)));
    envelope_codec = std::make_unique<domain::EnvelopePayloadCodec>(*store, *envelope);
    codec = envelope_codec.get();
    datasets.on_removed([&](const std::string& t, const std::string& d) { envelope_codec->forget_dataset(t, d); });
    health.add("key_provider", [&] { return envelope->provider().ping(); }, true);
  } else {
    log.warn("encryption at rest is disabled (encryption.enabled=false): record payloads are stored in clear");
  }
  domain::RecordLimits limits;
  limits.max_batch_records = cfg->max_batch_records;
  domain::RecordService records(*store, datasets, *codec, nullptr, limits);
  domain::VersionService versions(*store, datasets, records);

  http::Router router;
  http::ApiServices api{auth, datasets, records, versions, *store, cfg->idempotency_ttl, envelope.get()};
  http::register_api_routes(router, api);

  health.add("metadata_store", [&] { return store->ping(); }, true);
  health.add("blob_store", [&] { return blobs->ping(); }, true);
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
  opts.request_timeout = cfg->request_timeout;
  opts.idle_timeout = cfg->idle_timeout;
  opts.shutdown_timeout = cfg->shutdown_timeout;

  http::Authenticator authenticator = [&auth](std::string_view bearer) -> Result<http::Principal> {
    auto c = auth.authenticate(bearer);
    if (!c) return std::unexpected(c.error());
    return http::Principal{c->tenant_id, c->api_key_id, c->role, c->platform_admin};
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
  Housekeeper housekeeper(*store, cfg->idempotency_ttl, log.named("housekeeper"));
  log.info("vaultd started", {{"listen", cfg->listen_host + ":" + std::to_string(server.bound_port())},
                              {"database", cfg->database_url.substr(0, cfg->database_url.find(':'))},
                              {"schema_version", store->schema_version()}});

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
  store->close();
  crypto::set_crypto_observer(nullptr);
  log.info("vaultd stopped");
  return 0;
}
