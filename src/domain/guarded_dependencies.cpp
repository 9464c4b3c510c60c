#include "vault/domain/guarded_dependencies.hpp"

#include "vault/core/cancellation.hpp"

namespace vault::domain {
namespace {

class GuardedKeyProvider final : public crypto::KeyProvider {
 public:
  GuardedKeyProvider(std::unique_ptr<crypto::KeyProvider> inner, resilience::DependencyGuard& guard)
      : inner_(std::move(inner)), guard_(guard) {}

  std::string_view kind() const override { return inner_->kind(); }
  Status ensure_kek(const std::string& t) override {
    return guard_.call("ensure_kek", resilience::CallKind::IdempotentWrite, [&] { return inner_->ensure_kek(t); });
  }
  Result<std::uint32_t> current_version(const std::string& t) override {
    return guard_.call("current_version", resilience::CallKind::Read, [&] { return inner_->current_version(t); });
  }
  Result<std::vector<std::uint32_t>> versions(const std::string& t) override {
    return guard_.call("versions", resilience::CallKind::Read, [&] { return inner_->versions(t); });
  }
  Result<crypto::WrappedKey> wrap(const std::string& t, crypto::ByteView dek) override {
    return guard_.call("wrap", resilience::CallKind::Read, [&] { return inner_->wrap(t, dek); });
  }
  Result<crypto::SecureBytes> unwrap(const std::string& t, const crypto::WrappedKey& w) override {
    return guard_.call("unwrap", resilience::CallKind::Read, [&] { return inner_->unwrap(t, w); });
  }
  Result<std::uint32_t> rotate(const std::string& t) override {
    return guard_.call("rotate", resilience::CallKind::NonIdempotentWrite, [&] { return inner_->rotate(t); });
  }
  Status retire(const std::string& t, std::uint32_t v) override {
    return guard_.call("retire", resilience::CallKind::IdempotentWrite, [&] { return inner_->retire(t, v); });
  }
  Status destroy(const std::string& t) override {
    return guard_.call("destroy", resilience::CallKind::IdempotentWrite, [&] { return inner_->destroy(t); });
  }
  Status ping() override {
    return guard_.probe([&] { return inner_->ping(); });
  }
  void forget_cached(const std::string& t) override { inner_->forget_cached(t); }
  void forget_all_cached() override { inner_->forget_all_cached(); }

 private:
  std::unique_ptr<crypto::KeyProvider> inner_;
  resilience::DependencyGuard& guard_;
};

class GuardedBlobStore final : public storage::BlobStore {
 public:
  GuardedBlobStore(std::unique_ptr<storage::BlobStore> inner, resilience::DependencyGuard& guard)
      : inner_(std::move(inner)), guard_(guard) {}

  Status put(const std::string& key, std::string_view data) override {
    return guard_.call("write", resilience::CallKind::IdempotentWrite, [&] { return inner_->put(key, data); },
                       [n = data.size()](const Status&) { return std::uint64_t{n}; });
  }
  Result<std::string> get(const std::string& key) override {
    return guard_.call("read", resilience::CallKind::Read, [&] { return inner_->get(key); },
                       [](const Result<std::string>& r) { return std::uint64_t{r->size()}; });
  }
  Result<bool> exists(const std::string& key) override {
    return guard_.call("head", resilience::CallKind::Read, [&] { return inner_->exists(key); });
  }
  Status remove(const std::string& key) override {
    return guard_.call("delete", resilience::CallKind::IdempotentWrite, [&] { return inner_->remove(key); });
  }
  Result<std::vector<std::string>> list(const std::string& prefix) override {
    return guard_.call("list", resilience::CallKind::Read, [&] { return inner_->list(prefix); });
  }
  Status ping() override {
    return guard_.probe([&] { return inner_->ping(); });
  }

 private:
  std::unique_ptr<storage::BlobStore> inner_;
  resilience::DependencyGuard& guard_;
};

class BulkheadedCodec final : public PayloadCodec {
 public:
  BulkheadedCodec(PayloadCodec& inner, resilience::Bulkhead& pool) : inner_(inner), pool_(pool) {}
  Result<std::string> seal(const PayloadContext& ctx, std::string_view plaintext) override {
    auto slot = pool_.enter(Cancellation::current_deadline());
    if (!slot) return std::unexpected(slot.error());
    return inner_.seal(ctx, plaintext);
  }
  Result<std::string> open(const PayloadContext& ctx, std::string_view stored) override {
    auto slot = pool_.enter(Cancellation::current_deadline());
    if (!slot) return std::unexpected(slot.error());
    return inner_.open(ctx, stored);
  }
  bool is_identity() const override { return inner_.is_identity(); }

 private:
  PayloadCodec& inner_;
  resilience::Bulkhead& pool_;
};

/// "sqlite" of "sqlite:///x", "local" of "" (the default keyring).
std::string scheme_of(const std::string& url, const char* fallback) {
  auto colon = url.find(':');
  return colon == std::string::npos || colon == 0 ? fallback : url.substr(0, colon);
}

resilience::DependencyGuardOptions options(const Config& cfg, std::string dependency, std::string backend,
                                          ErrorKind kind, const std::string& bulkhead,
                                          std::chrono::milliseconds timeout) {
  resilience::DependencyGuardOptions o;
  o.dependency = std::move(dependency);
  o.backend = std::move(backend);
  o.error_kind = kind;
  o.breaker = cfg.circuit_breaker;
  o.bulkhead = cfg.bulkheads.at(bulkhead);
  o.operation_timeout = timeout;
  o.retry = cfg.retry;
  return o;
}

resilience::FaultKind fault_kind(const std::string& k) {
  if (k == "latency") return resilience::FaultKind::Latency;
  if (k == "hang") return resilience::FaultKind::Hang;
  return resilience::FaultKind::Error;
}

}  // namespace

DependencyGuards::DependencyGuards(const Config& cfg, const Clock& clock)
    : faults(cfg.fault_injection.enabled),
      metadata_store(options(cfg, "metadata_store", scheme_of(cfg.database_url, "sqlite"), ErrorKind::Database,
                             "storage_operations",
                             cfg.timeouts.database.query_timeout),
                     &faults, clock),
      blob_store(options(cfg, "blob_store", scheme_of(cfg.blob_url, "file"), ErrorKind::BlobStorage,
                         "storage_operations",
                         cfg.timeouts.storage.write_timeout),
                 &faults, clock),
      key_provider(options(cfg, "key_provider", scheme_of(cfg.key_provider_url, "local"), ErrorKind::KeyProvider,
                           "kms_operations",
                           cfg.timeouts.kms_operation_timeout),
                   &faults, clock),
      cache(options(cfg, "cache", scheme_of(cfg.cache_url, "none"), ErrorKind::Cache, "cache_operations",
                    cfg.timeouts.cache_operation_timeout),
            &faults, clock),
      has_cache_(!cfg.cache_url.empty()) {
  for (const auto& f : cfg.fault_injection.faults)
    (void)faults.set(resilience::Fault{f.dependency, fault_kind(f.kind), f.latency, f.percent});
}

WorkPools::WorkPools(const Config& cfg)
    : api_requests("api_requests", cfg.bulkheads.at("api_requests")),
      pii_scanning("pii_scanning", cfg.bulkheads.at("pii_scanning")),
      crypto_operations("crypto_operations", cfg.bulkheads.at("crypto_operations")) {}

std::vector<resilience::Bulkhead*> all_bulkheads(DependencyGuards& guards, WorkPools& pools) {
  std::vector<resilience::Bulkhead*> out;
  for (resilience::DependencyGuard* g : guards.all()) out.push_back(&g->bulkhead());
  out.push_back(&pools.api_requests);
  out.push_back(&pools.pii_scanning);
  out.push_back(&pools.crypto_operations);
  return out;
}

std::unique_ptr<PayloadCodec> bulkheaded(PayloadCodec& inner, resilience::Bulkhead& pool) {
  return std::make_unique<BulkheadedCodec>(inner, pool);
}

std::unique_ptr<crypto::KeyProvider> guarded(std::unique_ptr<crypto::KeyProvider> inner,
                                             resilience::DependencyGuard& guard) {
  return std::make_unique<GuardedKeyProvider>(std::move(inner), guard);
}

std::unique_ptr<storage::BlobStore> guarded(std::unique_ptr<storage::BlobStore> inner,
                                            resilience::DependencyGuard& guard) {
  return std::make_unique<GuardedBlobStore>(std::move(inner), guard);
}

}  // namespace vault::domain
