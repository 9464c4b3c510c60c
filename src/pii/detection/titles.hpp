#pragma once
// Job titles (TITLE) next to the names the NER found (titles.cpp).
#include "vault/pii/detection/finding.hpp"

#include <string_view>
#include <vector>

namespace vault::pii::ner {

/// A name's byte span in the text.
struct Span {
  std::size_t begin, end;
};

/// Appends TITLE findings (recognizer "dictionary") for the job titles next
/// to the names at `persons`, and after "as a|an", in `text`.
void find_titles(std::string_view text, const std::vector<Span>& persons, std::vector<Finding>& out);

}  // namespace vault::pii::ner
