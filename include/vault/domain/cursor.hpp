#pragma once
/// Opaque pagination cursors: base64url("<kind>:<value>"). A cursor of the
/// wrong kind or a corrupt one is an InvalidCursorError.
#include "vault/core/error.hpp"

#include <cstdint>
#include <string>

namespace vault::domain {

std::string encode_cursor(std::string_view kind, std::string_view value);
Result<std::string> decode_cursor(std::string_view kind, std::string_view cursor);
Result<std::int64_t> decode_int_cursor(std::string_view kind, std::string_view cursor);

}  // namespace vault::domain
