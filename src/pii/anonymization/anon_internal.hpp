#pragma once
// Internal helpers shared by the anonymization operators (not public API).
#include "vault/core/error.hpp"
#include "vault/crypto/secure_bytes.hpp"
#include "vault/pii/anonymization/policy.hpp"

#include <string>
#include <string_view>

namespace vault::pii::detail {

/// Raw 32-byte HMAC-SHA256(key, data).
std::string hmac_sha256(crypto::ByteView key, std::string_view data);
/// Lower-case hex of `bytes`.
std::string to_hex(std::string_view bytes);

/// The mask operator (never fails).
std::string mask_value(std::string_view value, const OperatorSpec& spec);
/// The generalize operator; Validation when the value does not have the
/// shape the target needs.
Result<std::string> generalize_value(std::string_view entity, std::string_view value,
                                     const OperatorSpec& spec);

}  // namespace vault::pii::detail
