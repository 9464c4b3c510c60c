// Argon2id through libargon2's argon2_ctx (so that secret and associated data
// are available for the RFC 9106 test vector).
#include "vault/crypto/passphrase_kdf.hpp"

#include <argon2.h>
#include <openssl/crypto.h>

#include <string>

namespace vault::crypto {

Status validate_argon2id_params(const Argon2idParams& p) {
  if (p.t_cost < 1 || p.t_cost > Argon2idParams::kMaxT)
    return fail(ErrorKind::Validation,
                "argon2id t (passes) must be 1.." + std::to_string(Argon2idParams::kMaxT));
  if (p.parallelism < 1 || p.parallelism > Argon2idParams::kMaxP)
    return fail(ErrorKind::Validation,
                "argon2id p (lanes) must be 1.." + std::to_string(Argon2idParams::kMaxP));
  if (p.m_cost_kib < 8 * p.parallelism || p.m_cost_kib > Argon2idParams::kMaxMKiB)
    return fail(ErrorKind::Validation,
                "argon2id m must be 8*p.." + std::to_string(Argon2idParams::kMaxMKiB) + " KiB");
  return {};
}

Result<std::vector<std::uint8_t>> argon2id_raw(std::span<const std::uint8_t> password,
                                               std::span<const std::uint8_t> salt,
                                               const Argon2idParams& params, std::size_t out_len,
                                               std::span<const std::uint8_t> secret,
                                               std::span<const std::uint8_t> associated_data) {
  if (auto s = validate_argon2id_params(params); !s) return std::unexpected(s.error());
  if (out_len < ARGON2_MIN_OUTLEN || out_len > 1024)
    return fail(ErrorKind::Validation, "argon2id output length must be 4..1024 bytes");
  if (salt.size() < ARGON2_MIN_SALT_LENGTH)
    return fail(ErrorKind::Validation, "argon2id salt must be at least 8 bytes");
  std::vector<std::uint8_t> out(out_len);
  // libargon2 takes non-const pointers but does not write to the inputs
  // unless the ARGON2_FLAG_CLEAR_* flags are set (they are not).
  argon2_context ctx{};
  ctx.out = out.data();
  ctx.outlen = static_cast<std::uint32_t>(out.size());
  ctx.pwd = const_cast<std::uint8_t*>(password.data());
  ctx.pwdlen = static_cast<std::uint32_t>(password.size());
  ctx.salt = const_cast<std::uint8_t*>(salt.data());
  ctx.saltlen = static_cast<std::uint32_t>(salt.size());
  ctx.secret = secret.empty() ? nullptr : const_cast<std::uint8_t*>(secret.data());
  ctx.secretlen = static_cast<std::uint32_t>(secret.size());
  ctx.ad = associated_data.empty() ? nullptr : const_cast<std::uint8_t*>(associated_data.data());
  ctx.adlen = static_cast<std::uint32_t>(associated_data.size());
  ctx.t_cost = params.t_cost;
  ctx.m_cost = params.m_cost_kib;
  ctx.lanes = params.parallelism;
  ctx.threads = params.parallelism;
  ctx.version = ARGON2_VERSION_13;
  ctx.flags = ARGON2_DEFAULT_FLAGS;
  int rc = argon2_ctx(&ctx, Argon2_id);
  if (rc != ARGON2_OK) {
    OPENSSL_cleanse(out.data(), out.size());
    auto kind = rc == ARGON2_MEMORY_ALLOCATION_ERROR || rc == ARGON2_THREAD_FAIL ? ErrorKind::InternalServer
                                                                                 : ErrorKind::Validation;
    return fail(kind, std::string("argon2id failed: ") + argon2_error_message(rc));
  }
  return out;
}

Result<std::array<std::uint8_t, 32>> derive_passphrase_key(std::string_view passphrase,
                                                           std::span<const std::uint8_t> salt,
                                                           const Argon2idParams& params) {
  if (passphrase.empty()) return fail(ErrorKind::Validation, "the passphrase is empty");
  if (salt.size() != kArgon2SaltSize) return fail(ErrorKind::Validation, "argon2id salt must be 16 bytes");
  auto raw = argon2id_raw({reinterpret_cast<const std::uint8_t*>(passphrase.data()), passphrase.size()}, salt,
                          params, 32);
  if (!raw) return std::unexpected(std::move(raw.error()));
  std::array<std::uint8_t, 32> key{};
  std::copy(raw->begin(), raw->end(), key.begin());
  OPENSSL_cleanse(raw->data(), raw->size());
  return key;
}

}  // namespace vault::crypto
