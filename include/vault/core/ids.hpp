#pragma once
/// Identifiers and time.
#include <cstdint>
#include <string>
#include <string_view>

namespace vault {

/// A new id "<prefix>_<26 chars>": 48-bit millisecond timestamp + 80 random
/// bits (OS CSPRNG) in Crockford base32, so ids sort by creation time.
std::string new_id(std::string_view prefix);
/// True when `id` has the shape new_id(prefix) produces.
bool is_valid_id(std::string_view id, std::string_view prefix);
/// An id of new_id's form whose 128 bits come from SHA-256 of `seed`: the
/// same seed always gives the same id (no time order).
std::string derived_id(std::string_view prefix, std::string_view seed);
/// `n` random bytes from the OS CSPRNG, base64url without padding.
std::string random_token(std::size_t n);

/// Microseconds since the Unix epoch.
std::int64_t now_micros();
/// "2026-11-27T02:46:39.123Z"
std::string format_rfc3339(std::int64_t micros);

/// Hex SHA-256 of `data`.
std::string sha256_hex(std::string_view data);
std::string base64url_encode(std::string_view data);
/// Empty optional-like: returns false on invalid input.
bool base64url_decode(std::string_view in, std::string& out);

}  // namespace vault
