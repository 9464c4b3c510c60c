#pragma once
// Payment card IIN ranges and lengths (card_ranges.cpp cites the sources).
#include <string_view>

namespace vault::pii {

/// True when the digits (only digits, no separators) start with an issuer
/// identification number a card network issues and have a length that
/// network gives its cards. The Luhn check digit is not checked here.
bool card_number_in_issued_range(std::string_view digits);

}  // namespace vault::pii
