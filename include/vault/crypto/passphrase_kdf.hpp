#pragma once
/// Argon2id (RFC 9106, libargon2, version 0x13) for turning a low-entropy
/// passphrase into a 32-byte key. Used by the file encryption format
/// (stream_cipher.hpp), which stores the parameters and salt in its header.
///
/// Neither the passphrase nor the derived key ever appears in an error
/// message.
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "vault/core/error.hpp"

namespace vault::crypto {

/// Argon2id cost parameters. Defaults: t = 3 passes, m = 64 MiB, p = 1 lane
/// (the RFC 9106 "second recommended option" with a smaller memory size).
struct Argon2idParams {
  std::uint32_t t_cost = 3;          ///< passes, 1..kMaxT
  std::uint32_t m_cost_kib = 65536;  ///< memory in KiB, 8*p..kMaxMKiB
  std::uint32_t parallelism = 1;     ///< lanes (and threads), 1..kMaxP

  static constexpr std::uint32_t kMaxT = 64;
  static constexpr std::uint32_t kMaxMKiB = 4u * 1024 * 1024;  ///< 4 GiB
  static constexpr std::uint32_t kMaxP = 64;

  friend bool operator==(const Argon2idParams&, const Argon2idParams&) = default;
};

/// Salt length the file format uses (RFC 9106 recommends 16 bytes).
inline constexpr std::size_t kArgon2SaltSize = 16;

/// Ok when the parameters are within the bounds above (which also cap what a
/// file header may ask a decryptor to spend); Validation otherwise.
Status validate_argon2id_params(const Argon2idParams& p);

/// The full Argon2id function with optional secret and associated data, as
/// specified in RFC 9106 section 3 (exposed for the known-answer test).
/// `out_len` >= 4. Errors: Validation (bad parameters or lengths),
/// InternalServer (libargon2 failed, e.g. out of memory).
Result<std::vector<std::uint8_t>> argon2id_raw(std::span<const std::uint8_t> password,
                                               std::span<const std::uint8_t> salt,
                                               const Argon2idParams& params, std::size_t out_len,
                                               std::span<const std::uint8_t> secret = {},
                                               std::span<const std::uint8_t> associated_data = {});

/// A 32-byte key from `passphrase` and a 16-byte `salt`. An empty passphrase
/// is a Validation error. The caller wipes the returned key when done.
Result<std::array<std::uint8_t, 32>> derive_passphrase_key(std::string_view passphrase,
                                                           std::span<const std::uint8_t> salt,
                                                           const Argon2idParams& params);

}  // namespace vault::crypto
