// Catalogue: the built-in recognizer set plus custom additions.
#include "vault/pii/detection/catalogue.hpp"

#include "ner.hpp"
#include "vault/pii/detection/validators.hpp"

#include <algorithm>
#include <set>

namespace vault::pii {

Catalogue Catalogue::defaults() {
  Catalogue c;
  for (auto group : {generic_recognizers(), address_recognizers(), national_recognizers(), secret_recognizers()})
    for (auto& r : group) c.recognizers_.push_back(std::move(r));
  c.dictionary_entities_ = true;
  return c;
}

Status Catalogue::add(RecognizerSpec spec) {
  if (spec.entity.empty()) return fail(ErrorKind::Validation, "recognizer entity must not be empty");
  if (spec.patterns.empty()) return fail(ErrorKind::Validation, "recognizer needs at least one pattern");
  for (auto& p : spec.patterns) {
    if (p.regex.empty()) return fail(ErrorKind::Validation, "recognizer pattern must not be empty");
    if (p.score < 0 || p.score > 1) return fail(ErrorKind::Validation, "pattern score must be in [0, 1]");
  }
  if (!spec.validator.empty() && !find_validator(spec.validator))
    return fail(ErrorKind::Validation, "unknown validator", {{"validator", spec.validator}});
  if (spec.name.empty()) spec.name = spec.entity + "#" + std::to_string(recognizers_.size());
  for (const auto& r : recognizers_)
    if (r.name == spec.name) return fail(ErrorKind::Conflict, "duplicate recognizer name", {{"name", spec.name}});
  for (std::size_t i = 0; i < spec.patterns.size(); ++i)
    if (spec.patterns[i].name.empty()) spec.patterns[i].name = spec.name + "#" + std::to_string(i);
  for (auto& w : spec.context)
    std::transform(w.begin(), w.end(), w.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  recognizers_.push_back(std::move(spec));
  return {};
}

std::size_t Catalogue::remove_entity(std::string_view entity) {
  // Dictionary entities (PERSON, LOCATION, ORGANIZATION) are switched as a
  // group with enable_dictionary_entities(); filter single ones per scan
  // with ScanOptions::entities.
  return std::erase_if(recognizers_, [&](const RecognizerSpec& r) { return r.entity == entity; });
}

void Catalogue::set_context(std::string_view entity, std::vector<std::string> words) {
  for (auto& r : recognizers_)
    if (r.entity == entity) r.context = words;
}

std::vector<std::string> Catalogue::entities() const {
  std::set<std::string> s;
  for (const auto& r : recognizers_) s.insert(r.entity);
  if (dictionary_entities_)
    for (auto e : ner::entities()) s.insert(std::string(e));
  return {s.begin(), s.end()};
}

}  // namespace vault::pii
