#pragma once
/// Idempotency-Key replay: the first answer to a request under a key is
/// stored per tenant and replayed for later requests with the same key and
/// the same request (method, target, body) within the TTL; the same key
/// with a different request is IdempotencyKeyReuse (422).
///
/// At rest (with a tenant keyring): the body is sealed under the tenant key
/// "_idempotency" (wrapped by the tenant's KEK, so KEK rotation rewraps it),
/// AAD = tenant | "idempotency" | key; the request fingerprint is an
/// HMAC-SHA256 under the same key, because a bare SHA-256 of a small body
/// could be brute-forced from a copy of the database. Without a keyring
/// (encryption at rest off) both are stored in clear / as bare SHA-256.
/// Entries written by earlier releases (sealed "E1" bodies with a DEK per
/// entry, bare SHA-256 fingerprints) are still read.
#include "vault/core/clock.hpp"
#include "vault/core/error.hpp"
#include "vault/storage/idempotency_store.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace vault::crypto {
class KeyProvider;
}

namespace vault::domain {

class TenantKeyring;

/// An answer as stored and replayed.
struct StoredAnswer {
  int status = 200;
  std::string content_type;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

class IdempotencyService {
 public:
  /// `keys` and `provider` null: encryption at rest is off. `provider`
  /// opens legacy "E1" entries only.
  IdempotencyService(storage::IdempotencyStore& store, TenantKeyring* keys, crypto::KeyProvider* provider,
                     std::chrono::seconds ttl, const Clock& clock = system_clock());

  /// The answer stored for (tenant, key) within the TTL, if the same
  /// request made it; IdempotencyKeyReuse if another request did; nullopt
  /// when there is none (the caller serves the request, then remember()s).
  /// `request` is the request's identity (method, target and body).
  Result<std::optional<StoredAnswer>> replay(const std::string& tenant_id, const std::string& key,
                                             const std::string& request);
  /// Stores the first answer for (tenant, key); a concurrent first answer
  /// that was stored before wins (the store keeps one entry per key).
  Status remember(const std::string& tenant_id, const std::string& key, const std::string& request,
                  const StoredAnswer& answer);
  /// Deletes entries older than the TTL; returns how many.
  Result<std::int64_t> purge_expired();

  std::chrono::seconds ttl() const { return ttl_; }

 private:
  Result<std::string> seal_body(const std::string& tenant_id, const std::string& key, std::string_view body);
  Result<std::string> open_body(const std::string& tenant_id, const std::string& key, std::string_view stored);
  Result<std::string> fingerprint(const std::string& tenant_id, const std::string& request);
  Result<bool> fingerprint_matches(const std::string& tenant_id, const std::string& request,
                                   const std::string& stored);

  storage::IdempotencyStore& store_;
  TenantKeyring* keys_;
  crypto::KeyProvider* provider_;
  const std::chrono::seconds ttl_;
  const Clock& clock_;
};

}  // namespace vault::domain
