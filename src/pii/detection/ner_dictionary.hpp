#pragma once
// Compact built-in dictionaries for the dictionary NER (internal).
#include <boost/unordered/unordered_flat_map.hpp>
#include <boost/unordered/unordered_flat_set.hpp>

#include <functional>
#include <string>
#include <string_view>

namespace vault::pii::ner {

/// Open-addressing tables (Boost's flat maps, one probe group per lookup,
/// no node per entry) looked up by string_view without a copy.
struct WordHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};
using WordSet = boost::unordered_flat_set<std::string, WordHash, std::equal_to<>>;
template <class V>
using WordMap = boost::unordered_flat_map<std::string, V, WordHash, std::equal_to<>>;

struct Dictionaries {
  WordSet first_names, surnames, org_words, stop_words, ambiguous;
  /// phrase (folded, space-joined) -> number of tokens; for locations and organisations
  WordMap<int> locations, orgs;
  int max_location_tokens = 1, max_org_tokens = 1;
  /// first tokens of the location / organisation phrases (cheap pre-check)
  WordSet location_first, org_first;
  /// folded word -> bit set of the categories below (one lookup per token)
  WordMap<unsigned> word_flags;
  /// Common: a lower-case word of wamerican (a capitalised common word is weak
  /// evidence of a name).
  enum : unsigned {
    First = 1, Sur = 2, Stop = 4, OrgWord = 8, Ambiguous = 16, LocFirst = 32, OrgFirst = 64, Common = 128
  };
};

/// Built once, on first use (thread-safe static initialisation).
const Dictionaries& dictionaries();

/// Lower-cases ASCII and folds common Latin-1 letters with diacritics
/// (UTF-8 C3 xx) to their base letter: "Jürgen Åström" -> "jurgen astrom".
std::string fold(std::string_view word);
/// fold(), appended to `out` (no allocation of its own).
void fold_append(std::string_view word, std::string& out);

}  // namespace vault::pii::ner
