#pragma once
// Compact built-in dictionaries for the dictionary NER (internal).
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

namespace vault::pii::ner {

struct Dictionaries {
  std::unordered_set<std::string> first_names, surnames, org_words, stop_words, ambiguous;
  /// phrase (folded, space-joined) -> number of tokens; for locations and organisations
  std::unordered_map<std::string, int> locations, orgs;
  int max_location_tokens = 1, max_org_tokens = 1;
  /// first tokens of the location / organisation phrases (cheap pre-check)
  std::unordered_set<std::string> location_first, org_first;
  /// folded word -> bit set of the categories below (one lookup per token)
  std::unordered_map<std::string, unsigned> word_flags;
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

}  // namespace vault::pii::ner
