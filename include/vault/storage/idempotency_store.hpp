#pragma once
/// Idempotency entries: the stored answer of a request sent with an
/// Idempotency-Key. The shared contract of every store (tenant scoping,
/// thread-safety, durability, group commit, error mapping) is in stores.hpp.
#include "vault/core/error.hpp"
#include "vault/storage/types.hpp"

#include <optional>
#include <string>

namespace vault::storage {

class IdempotencyStore {
 public:
  virtual ~IdempotencyStore() = default;

  /// Stores the entry unless one exists for (tenant_id, key); returns the stored one.
  virtual Result<IdempotencyEntry> put_idempotency(const IdempotencyEntry& e) = 0;
  virtual Result<std::optional<IdempotencyEntry>> get_idempotency(const std::string& tenant_id,
                                                                  const std::string& key) = 0;
  /// Deletes entries (of every tenant) created before `before`; returns how many.
  virtual Result<std::int64_t> purge_idempotency(Timestamp before) = 0;
};

}  // namespace vault::storage
