#pragma once
/// AES-256-GCM authenticated encryption with a versioned ciphertext format.
///
/// Sealed format (all integers big-endian):
///
///   header  = format (1 byte, kFormatV1 = 0x01)
///             key_id_len (1 byte, 1..255) || key_id (bytes)
///             key_version (u32)
///   sealed  = header || nonce (12 bytes) || ciphertext (= plaintext length) || tag (16 bytes)
///
/// The GCM associated data is `header || aad`: the header is self-delimiting,
/// so any change to the format byte, key id or key version fails
/// authentication just like a change to the caller's `aad`, the nonce, the
/// ciphertext or the tag. Nonces are 96 random bits from RAND_bytes (the OS
/// CSPRNG, drawn per thread in batches of 64 and discarded in a fork child),
/// fresh for every seal; two seals of the same input differ.
///
/// Errors: seal → EncryptionOperation (bad key size, empty/oversized key id,
/// OpenSSL failure); open → DecryptionOperation for any failure (truncated
/// input, unknown format, wrong key, wrong aad, tamper). open never returns
/// unauthenticated bytes. Messages never contain key or plaintext bytes.
///
/// Thread-safe. The EVP_CIPHER is fetched once per process and an
/// EVP_CIPHER_CTX is kept per thread.
#include "vault/core/error.hpp"
#include "vault/crypto/secure_bytes.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace vault::crypto {

inline constexpr std::uint8_t kFormatV1 = 0x01;
inline constexpr std::size_t kKeySize = 32;    ///< AES-256
inline constexpr std::size_t kNonceSize = 12;  ///< 96-bit GCM nonce
inline constexpr std::size_t kTagSize = 16;
inline constexpr std::string_view kAlgorithm = "aes-256-gcm";

struct CiphertextHeader {
  std::uint8_t format = kFormatV1;
  std::string key_id;
  std::uint32_t key_version = 0;
  std::size_t header_size = 0;  ///< bytes of the header in the sealed input
};

/// The header bytes for (key_id, key_version); EncryptionOperation if key_id
/// is empty or longer than 255 bytes.
Result<std::string> encode_header(std::string_view key_id, std::uint32_t key_version);

/// Reads the header of sealed bytes without decrypting (so a reader knows
/// which key and version to fetch). DecryptionOperation if malformed or too
/// short to hold nonce and tag.
Result<CiphertextHeader> parse_header(std::string_view sealed);

/// Total sealed size for a key id of `key_id_size` bytes and `plaintext_size` bytes.
constexpr std::size_t sealed_size(std::size_t key_id_size, std::size_t plaintext_size) {
  return 1 + 1 + key_id_size + 4 + kNonceSize + plaintext_size + kTagSize;
}

/// Encrypts `plaintext` under `key` (32 bytes), binding `aad` and the header.
Result<std::string> seal(ByteView key, std::string_view key_id, std::uint32_t key_version,
                         std::string_view aad, std::string_view plaintext);

/// Authenticates and decrypts `sealed` produced by seal() with the same key and aad.
Result<std::string> open(ByteView key, std::string_view aad, std::string_view sealed);

/// As open(), but the plaintext lands in wiped-on-destruction memory (for
/// unwrapping key material).
Result<SecureBytes> open_secure(ByteView key, std::string_view aad, std::string_view sealed);

}  // namespace vault::crypto
