#pragma once
/// Checksum and structure validators used by the PII recognizers.
///
/// Every validator takes the matched text (separators such as spaces, dashes
/// or dots may be present; each validator strips what its format allows) and
/// returns a `Verdict`: `Accept` raises the finding's score to the
/// recognizer's validated score (1.0 by default), `Reject` drops the finding,
/// `Neutral` keeps the pattern score. Validators are pure functions: safe to
/// call from any thread.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace vault::pii {

enum class Verdict { Reject, Neutral, Accept };

inline Verdict verdict(bool ok) { return ok ? Verdict::Accept : Verdict::Reject; }

/// A validator: matched text -> verdict.
using Validator = Verdict (*)(std::string_view);

/// The validator registered under `name` (e.g. "luhn", "iban"), if any.
std::optional<Validator> find_validator(std::string_view name);
/// Names of all registered validators, sorted.
std::span<const std::string_view> validator_names();

/// Keeps only the ASCII digits of `s`.
std::string digits_of(std::string_view s);
/// Keeps only ASCII letters and digits of `s`, upper-cased.
std::string alnum_upper(std::string_view s);

// --- checksum families -----------------------------------------------------
/// Luhn mod 10 over an all-digit string (false on non-digits or empty input).
bool luhn_valid(std::string_view digits);
/// Verhoeff over an all-digit string whose last digit is the check digit.
bool verhoeff_valid(std::string_view digits);
/// ISO 7064 MOD 11,10 (pure-system hybrid): last digit is the check digit.
bool iso7064_mod11_10_valid(std::string_view digits);
/// ISO 7064 MOD 97-10 over an alphanumeric string (letters A=10..Z=35).
bool iso7064_mod97_10_valid(std::string_view alnum);
/// ISO 7064 MOD 37,36 (hybrid) over [0-9A-Z], last char is the check char.
bool iso7064_mod37_36_valid(std::string_view alnum);
/// ICAO 9303 7-3-1 check digit: the last char checks the preceding ones.
bool icao9303_valid(std::string_view alnum);
/// Weighted mod-11 with `weights` over the first weights.size() digits;
/// check = (11 - sum % 11) % 11 with 10 -> invalid, compared to the next digit.
bool weighted_mod11_valid(std::string_view digits, std::span<const int> weights);
/// Shannon entropy in bits per byte of `s`.
double shannon_entropy(std::string_view s);

// --- banking -----------------------------------------------------------------
/// Full IBAN check: country code, per-country length and BBAN shape, mod 97.
/// Spaces and dashes are ignored.
bool iban_valid(std::string_view text);
/// ABA routing number: 9 digits, 3-7-1 weighted sum divisible by 10.
bool aba_routing_valid(std::string_view text);

// --- crypto addresses -------------------------------------------------------
/// Base58Check (Bitcoin P2PKH/P2SH): decodes, verifies the double SHA-256 checksum.
bool base58check_valid(std::string_view text);
/// Bech32 / Bech32m segwit address (bc1..., tb1...).
bool bech32_address_valid(std::string_view text);

// --- network -----------------------------------------------------------------
bool ipv4_valid(std::string_view text);
/// RFC 4291 text form, including embedded IPv4 and an optional %zone.
bool ipv6_valid(std::string_view text);

// --- dates ---------------------------------------------------------------------
bool is_leap_year(int year);
/// Does year-month-day exist in the proleptic Gregorian calendar?
bool date_exists(int year, int month, int day);

}  // namespace vault::pii
