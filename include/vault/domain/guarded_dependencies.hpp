#pragma once
/// The key provider and the blob store behind their DependencyGuard
/// (resilience/dependency_guard.hpp): every call through guard.call(),
/// ping() through guard.probe(). The metadata store is guarded inside its
/// backend instead (StoreOps::set_guard), where its transactions are.
#include "vault/core/config.hpp"
#include "vault/crypto/key_provider.hpp"
#include "vault/domain/seams.hpp"
#include "vault/resilience/bulkhead.hpp"
#include "vault/resilience/dependency_guard.hpp"
#include "vault/storage/blob_store.hpp"

#include <memory>
#include <vector>

namespace vault::domain {

/// `guard` must outlive the returned provider.
std::unique_ptr<crypto::KeyProvider> guarded(std::unique_ptr<crypto::KeyProvider> inner,
                                             resilience::DependencyGuard& guard);

/// `guard` must outlive the returned store.
std::unique_ptr<storage::BlobStore> guarded(std::unique_ptr<storage::BlobStore> inner,
                                            resilience::DependencyGuard& guard);

/// Every seal and open of `inner` inside the crypto_operations bulkhead
/// `pool` (full → OverloadedError). Both must outlive the returned codec.
std::unique_ptr<PayloadCodec> bulkheaded(PayloadCodec& inner, resilience::Bulkhead& pool);

/// The guards of the process, one per external dependency, built from the
/// configuration (breaker settings, the storage_operations / kms_operations
/// bulkheads, the operation timeouts), sharing one fault injector with the
/// configured start-up faults set.
class DependencyGuards {
 public:
  DependencyGuards(const Config& cfg, const Clock& clock = system_clock());
  resilience::FaultInjector faults;
  resilience::DependencyGuard metadata_store;
  resilience::DependencyGuard blob_store;
  resilience::DependencyGuard key_provider;
  resilience::DependencyGuard cache;  ///< Redis (cache.url); in all() only when configured
  std::vector<resilience::DependencyGuard*> all() {
    if (has_cache_) return {&metadata_store, &blob_store, &key_provider, &cache};
    return {&metadata_store, &blob_store, &key_provider};
  }

 private:
  bool has_cache_;
};

/// The process's own pools (spec 3.3) beside the guards' storage and KMS
/// ones, from `bulkheads.*`: api_requests (handlers at the HTTP edge),
/// pii_scanning (every scan), crypto_operations (record seal/open).
struct WorkPools {
  explicit WorkPools(const Config& cfg);
  resilience::Bulkhead api_requests;
  resilience::Bulkhead pii_scanning;
  resilience::Bulkhead crypto_operations;
};

/// Every bulkhead of the process: the guards' (named after their
/// dependency) and the work pools.
std::vector<resilience::Bulkhead*> all_bulkheads(DependencyGuards& guards, WorkPools& pools);

}  // namespace vault::domain
