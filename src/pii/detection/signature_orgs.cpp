// Organisations in signature and address blocks: the line below a name or a
// job title that is alone on its line.
#include "signature_orgs.hpp"

#include "text_util.hpp"

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

}  // namespace

void find_signature_orgs(std::string_view text, const std::vector<Span>& lines, std::vector<Finding>& out) {
  for (const Span& s : lines) {
    if (!alone_on_line(text, s.begin, s.end)) continue;
    std::size_t nb = text.find('\n', s.end);
    if (nb == std::string_view::npos) continue;
    ++nb;
    std::size_t ne = text.find('\n', nb);
    if (ne == std::string_view::npos) ne = text.size();
    while (nb < ne && blank_or_bullet(text[nb])) ++nb;
    while (ne > nb && (text[ne - 1] == ' ' || text[ne - 1] == '\t' || text[ne - 1] == '\r' || text[ne - 1] == ','))
      --ne;
    if (ne - nb < 2 || ne - nb > 60) continue;
    const std::string_view line = text.substr(nb, ne - nb);
    if (line.find_first_of("0123456789:@/<>=|") != std::string_view::npos) continue;
    // Every word capitalised (connectors apart), at most six of them.
    int words = 0;
    bool ok = true;
    std::size_t i = 0;
    while (i < line.size() && ok) {
      while (i < line.size() && (line[i] == ' ' || line[i] == '-')) ++i;
      std::size_t b = i;
      while (i < line.size() && line[i] != ' ') ++i;
      if (i == b) break;
      std::string_view w = line.substr(b, i - b);
      auto c = static_cast<unsigned char>(w[0]);
      ++words;
      ok = (c >= 'A' && c <= 'Z') || c >= 0x80 || connector(w);
    }
    if (!ok || words == 0 || words > 6) continue;
    bool taken = false;
    for (const auto& f : out) taken = taken || (f.begin < ne && nb < f.end);
    if (taken) continue;
    out.push_back(Finding{"ORGANIZATION", 0.6, nb, ne, 0, 0, "dictionary"});
  }
}

}  // namespace vault::pii::ner
