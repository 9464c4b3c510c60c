#include "vault/domain/transit_service.hpp"

#include "vault/core/base64.hpp"
#include "vault/crypto/aead.hpp"
#include "vault/crypto/envelope.hpp"

#include <charconv>

namespace vault::domain {
namespace {

constexpr std::string_view kPrefix = "vault:v";
constexpr std::string_view kPurpose = "vault-transit-v1";

Error invalid(std::string_view field, std::string_view reason, std::string message) {
  return Error(ErrorKind::Validation, std::move(message),
               {{"field", std::string(field)}, {"reason", std::string(reason)}});
}

/// Decodes an optional base64 field; Validation naming the field otherwise.
Result<std::string> decode_field(std::string_view field, std::string_view b64) {
  auto d = base64_decode(b64);
  if (!d) return std::unexpected(invalid(field, "malformed", std::string(field) + " must be standard base64"));
  return std::move(*d);
}

/// The optional base64 "context" (derivation context bound into the AAD); "" when absent.
Result<std::string> decode_context(std::optional<std::string_view> context_b64) {
  if (!context_b64) return std::string();
  return decode_field("context", *context_b64);
}

struct ParsedCiphertext {
  std::int64_t version = 0;
  std::string sealed;
};

Result<ParsedCiphertext> parse_ciphertext(std::string_view c) {
  auto bad = [] {
    return std::unexpected(
        invalid("ciphertext", "malformed", "ciphertext must look like vault:v<version>:<base64>"));
  };
  if (!c.starts_with(kPrefix)) return bad();
  c.remove_prefix(kPrefix.size());
  const auto colon = c.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon > 10) return bad();
  ParsedCiphertext out;
  auto [p, ec] = std::from_chars(c.data(), c.data() + colon, out.version);
  if (ec != std::errc{} || p != c.data() + colon || out.version < 1 || c[0] == '0') return bad();
  auto sealed = base64_decode(c.substr(colon + 1));
  if (!sealed || sealed->empty()) return bad();
  out.sealed = std::move(*sealed);
  return out;
}

std::string format_ciphertext(std::int64_t version, std::string_view sealed) {
  std::string out(kPrefix);
  out += std::to_string(version);
  out += ':';
  out += base64_encode(sealed);
  return out;
}

}  // namespace

TransitService::TransitService(TenantKeyring& keyring, TransitLimits limits) : keyring_(keyring), limits_(limits) {}

Result<std::int64_t> TransitService::ciphertext_version(std::string_view ciphertext) {
  auto p = parse_ciphertext(ciphertext);
  if (!p) return std::unexpected(p.error());
  return p->version;
}

Result<TransitService::Encrypted> TransitService::seal(const std::string& tenant_id, const std::string& name,
                                                       std::string_view plaintext, std::string_view context) {
  if (plaintext.size() > limits_.max_item_bytes)
    return fail(ErrorKind::PayloadTooLarge, "the plaintext is larger than the transit limit",
                {{"field", "plaintext"}, {"limit_bytes", limits_.max_item_bytes}});
  auto key = keyring_.current(tenant_id, name);
  if (!key) return std::unexpected(key.error());
  const std::string version = std::to_string((*key)->version);
  auto sealed = crypto::seal_record(**key, {kPurpose, tenant_id, name, version, context}, plaintext);
  if (!sealed) return std::unexpected(sealed.error());
  return Encrypted{format_ciphertext((*key)->version, *sealed), (*key)->version};
}

Result<std::string> TransitService::open(const std::string& tenant_id, const std::string& name,
                                         std::string_view ciphertext, std::string_view context) {
  auto parsed = parse_ciphertext(ciphertext);
  if (!parsed) return std::unexpected(parsed.error());
  auto cfg = keyring_.config(tenant_id, name);  // ResourceNotFound for an unknown name
  if (!cfg) return std::unexpected(cfg.error());
  if (parsed->version < cfg->min_decryption_version)
    return fail(ErrorKind::Validation,
                "the ciphertext's key version is below the key's min_decryption_version",
                {{"field", "ciphertext"},
                 {"reason", "version_below_min_decryption_version"},
                 {"key_version", parsed->version},
                 {"min_decryption_version", cfg->min_decryption_version}});
  auto header = crypto::parse_header(parsed->sealed);
  if (!header)
    return std::unexpected(invalid("ciphertext", "malformed", "the ciphertext is malformed or truncated"));
  if (header->key_id != name || header->key_version != parsed->version)
    return std::unexpected(invalid("ciphertext", "key_mismatch", "the ciphertext was not made with this key"));
  auto key = keyring_.key(tenant_id, name, parsed->version);
  if (!key) {
    if (key.error().kind() == ErrorKind::KeyRetrieval)
      return fail(ErrorKind::Validation, "the ciphertext names a key version that does not exist",
                  {{"field", "ciphertext"}, {"reason", "unknown_version"}, {"key_version", parsed->version}});
    return std::unexpected(key.error());
  }
  const std::string version = std::to_string(parsed->version);
  auto plain = crypto::open_record(**key, {kPurpose, tenant_id, name, version, context}, parsed->sealed);
  if (!plain) {
    Error e = invalid("ciphertext", "authentication_failed",
                      "the ciphertext failed authentication: it was modified, or belongs to another key, "
                      "tenant or context");
    e.caused_by(plain.error());
    return std::unexpected(std::move(e));
  }
  return std::move(*plain);
}

Result<TransitService::Encrypted> TransitService::encrypt(const std::string& tenant_id, const std::string& name,
                                                          std::string_view plaintext_b64,
                                                          std::optional<std::string_view> context_b64) {
  if (plaintext_b64.size() > (limits_.max_item_bytes + 2) / 3 * 4)
    return fail(ErrorKind::PayloadTooLarge, "the plaintext is larger than the transit limit",
                {{"field", "plaintext"}, {"limit_bytes", limits_.max_item_bytes}});
  auto plain = decode_field("plaintext", plaintext_b64);
  if (!plain) return std::unexpected(plain.error());
  auto context = decode_context(context_b64);
  if (!context) return std::unexpected(context.error());
  auto out = seal(tenant_id, name, *plain, *context);
  crypto::wipe_string(*plain);
  return out;
}

Result<std::string> TransitService::decrypt(const std::string& tenant_id, const std::string& name,
                                            std::string_view ciphertext,
                                            std::optional<std::string_view> context_b64) {
  auto context = decode_context(context_b64);
  if (!context) return std::unexpected(context.error());
  auto plain = open(tenant_id, name, ciphertext, *context);
  if (!plain) return std::unexpected(plain.error());
  std::string out = base64_encode(*plain);
  crypto::wipe_string(*plain);
  return out;
}

Result<TransitService::Encrypted> TransitService::rewrap(const std::string& tenant_id, const std::string& name,
                                                         std::string_view ciphertext,
                                                         std::optional<std::string_view> context_b64) {
  auto context = decode_context(context_b64);
  if (!context) return std::unexpected(context.error());
  auto plain = open(tenant_id, name, ciphertext, *context);
  if (!plain) return std::unexpected(plain.error());
  auto out = seal(tenant_id, name, *plain, *context);
  crypto::wipe_string(*plain);
  return out;
}

Result<TransitService::DataKeyResult> TransitService::datakey(const std::string& tenant_id, const std::string& name,
                                                              bool with_plaintext,
                                                              std::optional<std::string_view> context_b64) {
  auto context = decode_context(context_b64);
  if (!context) return std::unexpected(context.error());
  crypto::SecureBytes dk = crypto::generate_dek();
  auto sealed = seal(tenant_id, name, dk.view(), *context);
  if (!sealed) return std::unexpected(sealed.error());
  DataKeyResult out;
  out.ciphertext = std::move(sealed->ciphertext);
  out.key_version = sealed->key_version;
  if (with_plaintext) out.plaintext = base64_encode(dk.view());
  return out;
}

}  // namespace vault::domain
