#pragma once
/// Deterministic, keyed, realistic fake values (the `pseudonymize` operator).
///
/// The output depends only on (key, entity family, value): the same value
/// gets the same fake within a tenant (same key) and an unrelated fake under
/// another key. Shapes kept per entity:
///  - EMAIL_ADDRESS: "<first>.<last><nn>@example.{com,net,org}" (valid email).
///  - CREDIT_CARD: same length and separators, same network family prefix
///    (first digit; first two for 3x/5x), Luhn-valid.
///  - PHONE_NUMBER (and *_PHONE_NUMBER, *_MOBILE_NUMBER): punctuation and a
///    leading "+<country code>" kept, other digits replaced.
///  - US_SSN: area 001..899 except 666, group 01..99, serial 0001..9999, separators kept.
///  - IBAN_CODE: same country, length, grouping and BBAN character classes,
///    valid mod-97 check digits.
///  - IP_ADDRESS: IPv4 → IPv4 (first octet 1..223, not 127); IPv6 → same
///    layout with hex digits replaced.
///  - MAC_ADDRESS: hex digits replaced, separators kept.
///  - DATE_TIME: layout kept, year moved by up to +-10, day/month drawn from
///    1..12 (valid whichever order the format uses), times stay in range.
///  - PERSON: a name from a built-in list, same number of words (1..3), case style kept.
///  - anything else: letters → letters (case kept), digits → digits, the rest kept.
/// A fake never equals its input (a collision is perturbed).
#include "vault/crypto/secure_bytes.hpp"

#include <string>
#include <string_view>

namespace vault::pii {

/// The keyed fake of `value` as `entity`.
std::string pseudonymize_value(crypto::ByteView key, std::string_view entity, std::string_view value);

}  // namespace vault::pii
