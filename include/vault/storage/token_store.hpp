#pragma once
/// The PII token vault: one token per (tenant, value). The shared contract
/// of every store (tenant scoping, thread-safety, durability, group commit,
/// error mapping) is in stores.hpp.
#include "vault/core/error.hpp"
#include "vault/storage/types.hpp"

#include <optional>
#include <string>

namespace vault::storage {

class TokenStore {
 public:
  virtual ~TokenStore() = default;

  /// Stores the token unless the tenant already has one for `value_hash`;
  /// returns the stored entry (the existing one on a race: one value, one token).
  virtual Result<PiiToken> put_pii_token(const PiiToken& t) = 0;
  /// The tenant's token for a value hash, if any.
  virtual Result<std::optional<PiiToken>> find_pii_token(const std::string& tenant_id,
                                                         const std::string& value_hash) = 0;
  /// ResourceNotFound if the tenant has no such token.
  virtual Result<PiiToken> get_pii_token(const std::string& tenant_id, const std::string& token) = 0;
};

}  // namespace vault::storage
