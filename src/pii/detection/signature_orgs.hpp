#pragma once
// Organisations in signature and address blocks (signature_orgs.cpp).
#include "titles.hpp"
#include "vault/pii/detection/finding.hpp"

#include <string_view>
#include <vector>

namespace vault::pii::ner {

/// Appends ORGANIZATION findings (recognizer "dictionary", 0.6) for the line
/// right below a line that holds nothing but a name or a job title (at
/// `lines`: the PERSON and TITLE spans found): in a signature or an address
/// block that line names the employer ("Jane Roe\nAcme Widgets\n12 Main St").
/// The line must be short, capitalised word by word, without digits, ':',
/// '@' or '/', and not overlap a finding already in `out`.
void find_signature_orgs(std::string_view text, const std::vector<Span>& lines, std::vector<Finding>& out);

/// Appends ORGANIZATION findings (0.55) for a line of the same shape right
/// above the street or unit line of a postal address ("Open Data Nation\n07
/// 173 Raycroft Street"), unless a finding already covers it (a person's
/// name usually does).
void find_letterhead_orgs(std::string_view text, std::vector<Finding>& out);

}  // namespace vault::pii::ner
