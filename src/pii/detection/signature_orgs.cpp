// Organisations in signature and address blocks: the line below a name or a
// job title that is alone on its line.
#include "signature_orgs.hpp"

#include "text_util.hpp"

#include <algorithm>
#include <cstring>

namespace vault::pii::ner {
namespace {

using namespace util;

bool blank_or_bullet(char c) {
  auto u = static_cast<unsigned char>(c);
  return u < 0x80 && !is_alnum(u) && c != '\n' && c != '(' && c != '"';
}

/// The span [b, e) is all its line holds, but for bullets or an honorific
/// before it (at most 8 bytes: "> ", "Mr. ") and a short suffix after it
/// ("PhD", "MD", "Jr.").
bool alone_on_line(std::string_view text, std::size_t b, std::size_t e) {
  std::size_t k = b;
  while (k > 0 && text[k - 1] != '\n' && b - k <= 8) --k;
  if (k > 0 && text[k - 1] != '\n') return false;
  std::size_t le = e;
  while (le < text.size() && text[le] != '\n' && le - e <= 6) ++le;
  return le < text.size() && text[le] == '\n';
}

bool connector(std::string_view w) {
  return w == "and" || w == "of" || w == "the" || w == "for" || w == "de" || w == "&" || w == "und" || w == "et";
}

/// The line [b, e) trimmed of bullets and trailing blanks: an organisation's
/// name if short, capitalised word by word (any case in a text without
/// capitals) and free of digits and markup; returns the trimmed span, or {0, 0}.
std::pair<std::size_t, std::size_t> name_line(std::string_view text, std::size_t nb, std::size_t ne, bool lower_text) {
  while (nb < ne && blank_or_bullet(text[nb])) ++nb;
  while (ne > nb && (text[ne - 1] == ' ' || text[ne - 1] == '\t' || text[ne - 1] == '\r' || text[ne - 1] == ','))
    --ne;
  if (ne - nb < 2 || ne - nb > 60) return {0, 0};
  const std::string_view line = text.substr(nb, ne - nb);
  if (line.find_first_of("0123456789:@/<>=|?!;") != std::string_view::npos) return {0, 0};
  int words = 0;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '-')) ++i;
    std::size_t b = i;
    while (i < line.size() && line[i] != ' ') ++i;
    if (i == b) break;
    std::string_view w = line.substr(b, i - b);
    auto c = static_cast<unsigned char>(w[0]);
    ++words;
    if (!((c >= 'A' && c <= 'Z') || c >= 0x80 || connector(w) || lower_text)) return {0, 0};
  }
  if (words == 0 || words > 6) return {0, 0};
  return {nb, ne};
}

/// The line starting at b opens a postal address: a house number before a
/// word ("07 173 Raycroft Street", "149 William Street"), or a unit / box.
bool street_line(std::string_view text, std::size_t b) {
  while (b < text.size() && blank_or_bullet(text[b])) ++b;
  std::string_view rest = text.substr(b, 24);
  if (!rest.empty() && is_digit(static_cast<unsigned char>(rest[0]))) {
    // digit groups separated by single spaces, then a capitalised word
    std::size_t k = 0;
    while (k < rest.size() && is_digit(static_cast<unsigned char>(rest[k]))) {
      while (k < rest.size() && is_digit(static_cast<unsigned char>(rest[k]))) ++k;
      if (k >= rest.size() || rest[k] != ' ') return false;
      ++k;
    }
    return k < rest.size() && ((rest[k] >= 'A' && rest[k] <= 'Z') || static_cast<unsigned char>(rest[k]) >= 0x80);
  }
  // (asked of every line: the first letter decides before any comparison)
  if (rest.empty() || !std::strchr("ASUPtCFD", rest[0])) return false;
  for (std::string_view w : {"Apt", "Suite", "Unit ", "P.O. Box", "PO Box", "the corner of", "PSC ", "CMR ", "USNS ",
                             "USS ", "APO ", "FPO ", "DPO "})
    if (rest.starts_with(w)) return true;
  return false;
}

/// No ASCII capital anywhere: a text typed in lower case.
bool lower_text(std::string_view text) {
  return std::none_of(text.begin(), text.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
}

/// lower_text(text), read through the text once and only when first asked.
struct LowerText {
  std::string_view text;
  int known = -1;
  bool operator()() {
    if (known < 0) known = lower_text(text) ? 1 : 0;
    return known == 1;
  }
};

/// Something else was found in [b, e) with confidence: a name, a place, a
/// number. (An organisation found in part, "Google" of "Google Maps", or a
/// guess below the default threshold does not keep the line from counting;
/// one found whole does.)
bool overlaps(const std::vector<Finding>& out, std::size_t b, std::size_t e) {
  for (const auto& f : out)
    if (f.begin < e && b < f.end && f.score >= 0.5 && (f.entity != "ORGANIZATION" || (f.begin <= b && e <= f.end)))
      return true;
  return false;
}

}  // namespace

void find_letterhead_orgs(std::string_view text, std::vector<Finding>& out) {
  LowerText lower{text};
  std::size_t b = 0;
  while (b < text.size()) {
    std::size_t e = text.find('\n', b);
    if (e == std::string_view::npos) break;
    std::size_t next = e + 1;
    while (next < text.size() && (text[next] == '\n' || text[next] == ' ')) ++next;  // blank lines between
    if (street_line(text, next)) {
      auto [nb, ne] = name_line(text, b, e, lower());
      bool caps = true;  // an all-capitals line above numbered lines is a heading ("EXIT STATUS")
      for (std::size_t k = nb; k < ne && caps; ++k) caps = !(text[k] >= 'a' && text[k] <= 'z');
      if (caps) ne = nb;
      if (ne > nb && !overlaps(out, nb, ne)) out.push_back(Finding{"ORGANIZATION", 0.55, nb, ne, 0, 0, "dictionary"});
    }
    b = e + 1;
  }
}

void find_signature_orgs(std::string_view text, const std::vector<Span>& lines, std::vector<Finding>& out) {
  LowerText lower{text};
  for (const Span& s : lines) {
    if (!alone_on_line(text, s.begin, s.end)) continue;
    std::size_t nb = text.find('\n', s.end);
    if (nb == std::string_view::npos) continue;
    ++nb;
    std::size_t ne = text.find('\n', nb);
    if (ne == std::string_view::npos) ne = text.size();
    auto [lb, le] = name_line(text, nb, ne, lower());
    if (le <= lb || overlaps(out, lb, le)) continue;
    out.push_back(Finding{"ORGANIZATION", 0.6, lb, le, 0, 0, "dictionary"});
  }
}

}  // namespace vault::pii::ner
