// Job titles (TITLE) where text says what someone does. A title is 1-7
// words of letters ending in an occupation noun: the occupation nouns of
// WordNet (occupations.inc, generated at build time from wordnet-base by
// scripts/gen_occupations.py), or, right after a name, any agent noun in
// lower case (-er, -or, -ist, -ian: "installer"). Three positions:
//   - apposition after a name:  "Lisa Denisov, the Gas furnace installer, said"
//   - a line of its own below a line that is only a name (signature blocks)
//   - "as a|an <title>":        "she works as a benefits manager"
#include "titles.hpp"

#include "text_util.hpp"

#include <algorithm>
#include <array>
#include <string>

namespace vault::pii::ner {
namespace {

constexpr std::string_view kOccupations[] = {
#include "occupations.inc"
};

bool occupation(std::string_view folded) {
  return std::binary_search(std::begin(kOccupations), std::end(kOccupations), folded);
}

bool agent_noun(std::string_view w) {
  if (w.size() < 6) return false;
  for (std::string_view s : {"er", "or", "ist", "ian"})
    if (w.ends_with(s)) return true;
  return false;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

/// The byte length of the title at the start of `s` (which ends where the
/// phrase may end), or 0: words of letters separated by single spaces (a
/// hyphen, an apostrophe or "&"/"and" inside), at most 7, the last one an
/// occupation (or an agent noun when `agents`). The longest such prefix
/// ending in an occupation is taken when `prefix_ok`, else the whole of `s`.
/// `capital_agents`: a capitalised agent noun counts too (in an apposition,
/// ", the Platemaker,", it is no surname).
std::size_t title_length(std::string_view s, bool agents, bool prefix_ok, bool capital_agents = false) {
  std::size_t i = 0, best = 0;
  int words = 0;
  while (i < s.size() && words < 7) {
    std::size_t b = i;
    while (i < s.size() && (util::is_alpha(static_cast<unsigned char>(s[i])) || static_cast<unsigned char>(s[i]) >= 0x80 ||
                            ((s[i] == '-' || s[i] == '\'') && i > b)))
      ++i;
    if (i == b) break;
    ++words;
    const std::string w = lower(s.substr(b, i - b));
    // An agent noun only in lower case: capitalised, "Berger" or "Frysinger"
    // on the line below a name is the next name of an author list.
    const bool lower_case = s[b] >= 'a' && s[b] <= 'z';
    if (occupation(w) || (agents && (lower_case || capital_agents) && agent_noun(w))) best = i;
    if (i < s.size() && s[i] == ',' && i + 1 < s.size() && s[i + 1] == ' ') {
      // "Crushing, grinding, and polishing machine tender": commas inside a title
      i += 2;
      continue;
    }
    if (i >= s.size() || s[i] != ' ') break;
    ++i;
  }
  if (best == 0) return 0;
  if (!prefix_ok && best != s.size()) return 0;
  return best;
}

void emit(std::size_t b, std::size_t len, double score, std::vector<Finding>& out) {
  out.push_back(Finding{"TITLE", score, b, b + len, 0, 0, "dictionary"});
}

}  // namespace

void find_titles(std::string_view text, const std::vector<Span>& persons, std::vector<Finding>& out) {
  for (const Span& p : persons) {
    // Apposition: ", the <title>," or ", the <title> said", also after a
    // suffix of the name ("Jeffery Lemann Jr., the Platemaker, said").
    std::size_t end = p.end;
    // (longest first: " III" before " II", " Jr." before " Jr")
    for (std::string_view suffix : {" Jr.", " Sr.", " Jr", " Sr", " III", " II", " PhD", " MD"})
      if (text.substr(end).starts_with(suffix)) {
        end += suffix.size();
        break;
      }
    std::string_view rest = text.substr(end);
    if (rest.starts_with(", the ") || rest.starts_with(", The ")) {
      const std::size_t b = end + 6;
      std::string_view phrase = text.substr(b, std::min<std::size_t>(120, text.size() - b));
      const auto stop = phrase.find_first_of(".;:!?\n\"(");
      phrase = phrase.substr(0, stop);
      // up to the comma that closes the apposition (titles may hold ", and")
      if (auto n = title_length(phrase, true, true, true)) {
        emit(b, n, 0.6, out);
        continue;
      }
    }
    // Signature block: the name alone on its line, the title alone on the next.
    // Only blanks between the name and the line's end (looked at forwards,
    // and at most 7 bytes backwards: "Mr. " or a bullet may come first).
    std::size_t le = p.end;
    while (le < text.size() && (text[le] == ' ' || text[le] == '\t' || text[le] == '\r')) ++le;
    if (le >= text.size() || text[le] != '\n') continue;
    bool line_start = p.begin == 0;
    for (std::size_t k = p.begin; k > 0 && p.begin - k < 7 && !line_start; --k) line_start = text[k - 1] == '\n' || k == 1;
    if (!line_start) continue;
    const std::size_t nb = le + 1;
    std::string_view next = text.substr(nb, 81);
    next = next.substr(0, next.find('\n'));
    while (!next.empty() && (next.back() == ' ' || next.back() == '\r')) next.remove_suffix(1);
    if (next.empty() || next.size() > 80) continue;
    if (auto n = title_length(next, true, false)) emit(nb, n, 0.6, out);
  }
  // "as a|an <title>"
  for (std::size_t at = text.find("as a"); at != std::string_view::npos; at = text.find("as a", at + 4)) {
    if (at > 0 && util::is_alpha(static_cast<unsigned char>(text[at - 1]))) continue;
    std::size_t b = at + 4;
    if (b < text.size() && text[b] == 'n') ++b;
    if (b >= text.size() || text[b] != ' ') continue;
    ++b;
    std::string_view phrase = text.substr(b, std::min<std::size_t>(80, text.size() - b));
    phrase = phrase.substr(0, phrase.find_first_of(".,;:!?\n\"()"));
    if (auto n = title_length(phrase, false, true)) emit(b, n, 0.4, out);
  }
}

}  // namespace vault::pii::ner
