#pragma once
/// YAML (or JSON, a subset of it) text → JSON value, for the configuration
/// files that are written in either: custom recognizers (detection) and
/// anonymization policies (vault/pii/anonymization/policy.hpp).
#include "vault/core/error.hpp"

#include <boost/json/value.hpp>

#include <string_view>

namespace vault::pii {

/// Converts with the YAML 1.2 core schema for plain scalars and limits
/// against alias-expansion bombs and deep nesting. Validation naming `what`
/// on bad input.
Result<boost::json::value> yaml_to_json(std::string_view text, std::string_view what);

}  // namespace vault::pii
