// StoredTokenVault: reversible tokens on the metadata store (pii_tokens).
#include "vault/core/ids.hpp"
#include "vault/domain/pii_service.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

namespace vault::domain {
namespace {

/// Hex HMAC-SHA256 of "tok|<entity>|<value>" under the tenant's hmac key:
/// the lookup key for "same value → same token", useless without the key.
Result<std::string> value_hash(const pii::AnonymizerKeys& keys, std::string_view entity,
                               std::string_view value) {
  std::string msg = "tok|";
  msg.append(entity);
  msg += '|';
  msg.append(value);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (!HMAC(EVP_sha256(), keys.hmac_key.data(), static_cast<int>(keys.hmac_key.size()),
            reinterpret_cast<const unsigned char*>(msg.data()), msg.size(), mac, &len))
    return fail(ErrorKind::EncryptionOperation, "HMAC failed");
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(len * 2);
  for (unsigned i = 0; i < len; ++i) {
    out += kHex[mac[i] >> 4];
    out += kHex[mac[i] & 15];
  }
  return out;
}

pii::AnonymizerContext context(const pii::AnonymizerKeys& keys, std::string_view tenant_id) {
  pii::AnonymizerContext ctx;
  ctx.keys = &keys;
  ctx.tenant_id = std::string(tenant_id);
  return ctx;
}

}  // namespace

StoredTokenVault::StoredTokenVault(storage::TokenStore& store, KeySource keys)
    : store_(store), keys_(std::move(keys)) {}

Result<std::string> StoredTokenVault::tokenize(std::string_view tenant_id, std::string_view entity,
                                               std::string_view original) {
  if (!keys_) return fail(ErrorKind::Configuration, "no anonymization key source is configured");
  const std::string tenant(tenant_id);
  auto keys = keys_(tenant);
  if (!keys) return std::unexpected(keys.error());
  auto hash = value_hash(**keys, entity, original);
  if (!hash) return std::unexpected(hash.error());
  auto existing = store_.find_pii_token(tenant, *hash);
  if (!existing) return std::unexpected(existing.error());
  if (*existing) return (*existing)->token;

  pii::OperatorSpec encrypt;
  encrypt.kind = pii::OperatorKind::Encrypt;
  auto sealed = pii::apply_operator(entity, original, encrypt, context(**keys, tenant_id));
  if (!sealed) return std::unexpected(sealed.error());
  storage::PiiToken t;
  t.tenant_id = tenant;
  t.token = pii::make_token(entity);
  t.value_hash = std::move(*hash);
  t.entity = std::string(entity);
  t.sealed = std::move(*sealed);
  auto stored = store_.put_pii_token(t);  // on a race, the first writer's token wins
  if (!stored) return std::unexpected(stored.error());
  return stored->token;
}

Result<std::string> StoredTokenVault::detokenize(std::string_view tenant_id, std::string_view token) {
  if (!keys_) return fail(ErrorKind::Configuration, "no anonymization key source is configured");
  if (!pii::looks_like_token(token))
    return fail(ErrorKind::Validation, "not a token issued by this vault", {{"field", "token"}});
  const std::string tenant(tenant_id);
  auto t = store_.get_pii_token(tenant, std::string(token));
  if (!t) return std::unexpected(t.error());
  auto keys = keys_(tenant);
  if (!keys) return std::unexpected(keys.error());
  return pii::decrypt_value(t->sealed, context(**keys, tenant_id));
}

}  // namespace vault::domain
