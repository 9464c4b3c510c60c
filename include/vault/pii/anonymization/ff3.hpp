#pragma once
/// FF3-1 format-preserving encryption (NIST SP 800-38G Rev. 1, section 5.2,
/// with the 56-bit tweak of Rev. 1), on AES-128/192/256 (OpenSSL ECB, one
/// block at a time).
///
/// Numeral strings are written over an alphabet of `radix` distinct ASCII
/// characters (default "0123456789"). Lengths must satisfy
/// radix^minlen >= 1,000,000 and n <= 2*floor(log_radix(2^96)) (radix 10:
/// 6..56). Encrypt/decrypt are const and thread-safe (each call makes its own
/// cipher context). The key is held in SecureBytes (byte-reversed, as FF3-1
/// uses REVB(K)).
#include "vault/core/error.hpp"
#include "vault/crypto/secure_bytes.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace vault::pii {

/// A 56-bit FF3-1 tweak.
using Ff3Tweak = std::array<std::uint8_t, 7>;

class Ff3_1 {
 public:
  /// Validation if the key is not 16/24/32 bytes or the alphabet has fewer
  /// than 2 or more than 256 characters, or repeats a character.
  static Result<Ff3_1> create(crypto::ByteView key, std::string_view alphabet = "0123456789");

  /// Validation if `x` has a character outside the alphabet or a bad length;
  /// EncryptionOperation on an OpenSSL failure. Messages never echo `x`.
  Result<std::string> encrypt(std::string_view x, const Ff3Tweak& tweak) const;
  Result<std::string> decrypt(std::string_view x, const Ff3Tweak& tweak) const;

  std::size_t radix() const { return alphabet_.size(); }
  std::size_t min_length() const { return min_len_; }
  std::size_t max_length() const { return max_len_; }

 private:
  Ff3_1() = default;
  Result<std::string> crypt(std::string_view x, const Ff3Tweak& tweak, bool encrypt) const;
  crypto::SecureBytes reversed_key_;
  std::string alphabet_;
  std::array<int, 256> index_{};
  std::size_t min_len_ = 0;
  std::size_t max_len_ = 0;
};

/// Parses 14 hex digits into a tweak; Validation otherwise.
Result<Ff3Tweak> parse_ff3_tweak(std::string_view hex);

}  // namespace vault::pii
