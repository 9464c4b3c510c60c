#pragma once
// Dictionary + capitalisation based PERSON / LOCATION / ORGANIZATION
// recognition (no neural model), the honorifics before a name (PREFIX:
// Mr., Mrs., Dr. ...) and job titles next to names (TITLE, titles.hpp).
// Internal to the pii module.
#include "vault/pii/detection/finding.hpp"

#include <span>
#include <string_view>
#include <vector>

namespace vault::pii::ner {

/// The entities this recognizer reports.
std::span<const std::string_view> entities();

/// Which of entities() a scan asks for.
struct Wanted {
  bool person = false, location = false, org = false, prefix = false, title = false;
  bool any() const { return person || location || org || prefix || title; }
};

/// Appends findings (entity, score, byte span; recognizer "dictionary") for
/// the wanted entities found in `text`.
void find(std::string_view text, const Wanted& want, std::vector<Finding>& out);

}  // namespace vault::pii::ner
