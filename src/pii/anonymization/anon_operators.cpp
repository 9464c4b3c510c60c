// apply_operator / reverse_operator: one operator on one value.
#include "anon_internal.hpp"
#include "vault/core/ids.hpp"
#include "vault/crypto/aead.hpp"
#include "vault/pii/anonymization/anonymizer.hpp"
#include "vault/pii/anonymization/fakes.hpp"
#include "vault/pii/anonymization/ff3.hpp"

#include <openssl/sha.h>

#include <vector>

namespace vault::pii {
namespace {

constexpr std::string_view kEncPrefix = "enc:v1:";
constexpr std::uint32_t kEncKeyVersion = 1;

std::string encrypt_aad(std::string_view tenant) { return "vault-anon-encrypt|" + std::string(tenant); }

Result<const AnonymizerKeys*> need_keys(const AnonymizerContext& ctx, OperatorKind kind) {
  if (!ctx.keys)
    return fail(ErrorKind::Configuration,
                "operator " + std::string(operator_name(kind)) + " needs anonymizer keys");
  return ctx.keys;
}

Result<Ff3Tweak> tweak_for(std::string_view entity, const OperatorSpec& spec) {
  if (spec.tweak) return parse_ff3_tweak(*spec.tweak);
  std::string label = "vault-fpe-tweak|" + std::string(entity);
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(label.data()), label.size(), digest);
  Ff3Tweak t;
  for (std::size_t i = 0; i < t.size(); ++i) t[i] = digest[i];
  return t;
}

Result<std::string> fpe(std::string_view entity, std::string_view value, const OperatorSpec& spec,
                        const AnonymizerContext& ctx, bool encrypt) {
  auto keys = need_keys(ctx, OperatorKind::Fpe);
  if (!keys) return fail(keys.error());
  auto cipher = Ff3_1::create((*keys)->fpe_key);
  if (!cipher) return fail(ErrorKind::Configuration, "fpe key must be 16, 24 or 32 bytes");
  auto tweak = tweak_for(entity, spec);
  if (!tweak) return fail(tweak.error());
  std::string digits;
  for (char c : value)
    if (c >= '0' && c <= '9') digits.push_back(c);
  if (digits.size() < cipher->min_length() || digits.size() > cipher->max_length())
    return fail(ErrorKind::Validation, "fpe needs 6..56 digits in the value");
  auto out = encrypt ? cipher->encrypt(digits, *tweak) : cipher->decrypt(digits, *tweak);
  if (!out) return fail(out.error());
  std::string result(value);
  std::size_t k = 0;
  for (auto& c : result)
    if (c >= '0' && c <= '9') c = (*out)[k++];
  return result;
}

Result<std::string> encrypt_value(std::string_view value, const AnonymizerContext& ctx) {
  auto keys = need_keys(ctx, OperatorKind::Encrypt);
  if (!keys) return fail(keys.error());
  const auto& k = **keys;
  if (k.aead_key.size() != crypto::kKeySize || k.aead_key_id.empty() ||
      k.aead_key_id.find(':') != std::string::npos)
    return fail(ErrorKind::Configuration, "encrypt needs a 32-byte key and a key id without ':'");
  auto sealed = crypto::seal(k.aead_key, k.aead_key_id, kEncKeyVersion, encrypt_aad(ctx.tenant_id), value);
  if (!sealed) return fail(sealed.error());
  return std::string(kEncPrefix) + k.aead_key_id + ":" + base64url_encode(*sealed);
}

}  // namespace

Result<std::string> decrypt_value(std::string_view encrypted, const AnonymizerContext& ctx) {
  auto keys = need_keys(ctx, OperatorKind::Encrypt);
  if (!keys) return fail(keys.error());
  if (!encrypted.starts_with(kEncPrefix))
    return fail(ErrorKind::DecryptionOperation, "value is not an enc:v1 ciphertext");
  auto rest = encrypted.substr(kEncPrefix.size());
  auto colon = rest.rfind(':');
  if (colon == std::string_view::npos)
    return fail(ErrorKind::DecryptionOperation, "value is not an enc:v1 ciphertext");
  auto key_id = rest.substr(0, colon);
  if (key_id != (*keys)->aead_key_id)
    return fail(ErrorKind::DecryptionOperation, "value was encrypted under another key id",
                {{"key_id", std::string(key_id)}});
  std::string sealed;
  if (!base64url_decode(rest.substr(colon + 1), sealed))
    return fail(ErrorKind::DecryptionOperation, "value is not an enc:v1 ciphertext");
  auto header = crypto::parse_header(sealed);
  if (!header || header->key_id != key_id)
    return fail(ErrorKind::DecryptionOperation, "value is not an enc:v1 ciphertext");
  return crypto::open((*keys)->aead_key, encrypt_aad(ctx.tenant_id), sealed);
}

Result<std::string> apply_operator(std::string_view entity, std::string_view value, const OperatorSpec& spec,
                                   const AnonymizerContext& ctx) {
  switch (spec.kind) {
    case OperatorKind::Keep:
      return std::string(value);
    case OperatorKind::Redact:
      return std::string();
    case OperatorKind::Replace:
      return spec.value ? *spec.value : "<" + std::string(entity) + ">";
    case OperatorKind::Mask:
      return detail::mask_value(value, spec);
    case OperatorKind::Hash: {
      auto keys = need_keys(ctx, spec.kind);
      if (!keys) return fail(keys.error());
      if ((*keys)->hmac_key.empty()) return fail(ErrorKind::Configuration, "hash needs an hmac key");
      auto mac = detail::hmac_sha256((*keys)->hmac_key, value);
      if (mac.empty()) return fail(ErrorKind::EncryptionOperation, "HMAC failed");
      return detail::to_hex(mac).substr(0, std::min<std::size_t>(spec.hash_length, 64));
    }
    case OperatorKind::Pseudonymize: {
      auto keys = need_keys(ctx, spec.kind);
      if (!keys) return fail(keys.error());
      if ((*keys)->hmac_key.empty()) return fail(ErrorKind::Configuration, "pseudonymize needs an hmac key");
      return pseudonymize_value((*keys)->hmac_key, entity, value);
    }
    case OperatorKind::Tokenize:
      if (!ctx.tokens) return fail(ErrorKind::Configuration, "operator tokenize needs a token store");
      return ctx.tokens->tokenize(ctx.tenant_id, entity, value);
    case OperatorKind::Fpe:
      return fpe(entity, value, spec, ctx, true);
    case OperatorKind::Generalize:
      return detail::generalize_value(entity, value, spec);
    case OperatorKind::Encrypt:
      return encrypt_value(value, ctx);
  }
  return fail(ErrorKind::Validation, "unknown operator");
}

Result<std::string> reverse_operator(std::string_view entity, std::string_view value, const OperatorSpec& spec,
                                     const AnonymizerContext& ctx) {
  switch (spec.kind) {
    case OperatorKind::Tokenize:
      if (!ctx.tokens) return fail(ErrorKind::Configuration, "operator tokenize needs a token store");
      return ctx.tokens->detokenize(ctx.tenant_id, value);
    case OperatorKind::Fpe:
      return fpe(entity, value, spec, ctx, false);
    case OperatorKind::Encrypt:
      return decrypt_value(value, ctx);
    default:
      return fail(ErrorKind::Validation,
                  "operator " + std::string(operator_name(spec.kind)) + " is not reversible");
  }
}

}  // namespace vault::pii
