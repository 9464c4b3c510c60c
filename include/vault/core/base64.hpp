#pragma once
/// Standard base64 (RFC 4648 section 4, alphabet A-Z a-z 0-9 + /, with '='
/// padding), as used by the transit API for plaintexts, contexts and keys.
#include <optional>
#include <string>
#include <string_view>

namespace vault {

std::string base64_encode(std::string_view data);
/// Strict decoding: the length must be a multiple of 4, padding only at the
/// end, no whitespace, and unused trailing bits must be zero. nullopt when
/// the input is not canonical base64 (the caller reports which field).
std::optional<std::string> base64_decode(std::string_view in);

}  // namespace vault
