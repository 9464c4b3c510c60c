#pragma once
/// Custom recognizers from configuration (YAML or JSON), e.g.
///
///   recognizers:
///     - name: employee_id              # unique, [A-Za-z0-9_.-]
///       entity: EMPLOYEE_ID            # [A-Z0-9_]
///       patterns:
///         - regex: "EMP-[0-9]{6}"      # Vectorscan syntax
///           score: 0.6                 # default 0.5
///           caseless: false
///       validator: luhn                # optional, a registered validator name
///       require_valid: false
///       validated_score: 0.95          # default 1.0
///       context: [employee, staff]     # lower-cased
///       context_boost: 0.35
///
/// Unknown keys are rejected. Errors are Validation naming the field
/// ("recognizers[0].patterns[1].score must be a number in [0, 1]").
#include "vault/core/error.hpp"
#include "vault/pii/detection/recognizer.hpp"

#include <boost/json/value.hpp>

#include <string_view>
#include <vector>

namespace vault::pii {

/// `v` is {"recognizers": [...]} or the array itself.
Result<std::vector<RecognizerSpec>> parse_custom_recognizers(const boost::json::value& v);
/// YAML or JSON text of the same structure.
Result<std::vector<RecognizerSpec>> parse_custom_recognizers_text(std::string_view text);

}  // namespace vault::pii
