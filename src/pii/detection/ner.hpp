#pragma once
// Dictionary + capitalisation based PERSON / LOCATION / ORGANIZATION
// recognition (no neural model). Internal to the pii module.
#include "vault/pii/detection/finding.hpp"

#include <span>
#include <string_view>
#include <vector>

namespace vault::pii::ner {

/// The entities this recognizer reports.
std::span<const std::string_view> entities();

/// Appends findings (entity, score, byte span; recognizer "dictionary") for
/// the requested entities (`want_*`) found in `text`.
void find(std::string_view text, bool want_person, bool want_location, bool want_org, std::vector<Finding>& out);

}  // namespace vault::pii::ner
