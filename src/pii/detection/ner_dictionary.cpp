// Dictionary data: first names, surnames, places, organisation names and
// suffixes (src/pii/detection/data/*.inc, compiled in), place names generated
// from iso-codes and tzdata at build time, plus stop words.
#include "ner_dictionary.hpp"

#include "text_util.hpp"

#include <functional>

namespace vault::pii::ner {
namespace {

constexpr std::string_view kFirstNames =
#include "data/first_names.inc"
    ;
constexpr std::string_view kSurnames =
#include "data/surnames.inc"
    ;
constexpr std::string_view kLocations =
#include "data/locations.inc"
    ;
// Countries (in every language iso-codes translates them into),
// subdivisions and time-zone cities, generated at build time from Debian's
// iso-codes, tzdata and wamerican (scripts/gen_places.py).
constexpr char kPlacesData[] =  // an array: its size is known without a constexpr strlen
#include "places.inc"
    ;
constexpr std::string_view kPlaces(kPlacesData, sizeof kPlacesData - 1);
// Common English words: wamerican's lower-case entries, generated at build
// time (scripts/gen_common_words.py).
constexpr char kCommonWordsData[] =
#include "common_words.inc"
    ;
constexpr std::string_view kCommonWords(kCommonWordsData, sizeof kCommonWordsData - 1);
constexpr std::string_view kOrgWords =
#include "data/org_words.inc"
    ;
constexpr std::string_view kOrgs =
#include "data/orgs.inc"
    ;

// Capitalised words that are rarely names (sentence starters, pronouns,
// months, weekdays, common nouns in titles, ...).
constexpr std::string_view kStopWords =
    "i a an the this that these those there here he she it we they you my your his her its our their me him us "
    "them mine yours what which who whom whose when where why how if then else and or but nor so yet for of in on "
    "at to from by with without about above below under over into onto upon after before during since until while "
    "as than is are was were be been being am do does did done have has had having will would shall should can "
    "could may might must not no yes ok okay hi hello hey dear thanks thank please sorry welcome good great best "
    "new old first last next one two three four five six seven eight nine ten all any some many much more most "
    "few each every both either neither other another such only own same also just very too quite really well "
    "mr mrs ms miss dr prof sir madam mx jr sr st mt ft "
    "monday tuesday wednesday thursday friday saturday sunday january february march april may june july august "
    "september october november december jan feb mar apr jun jul aug sep sept oct nov dec today tomorrow "
    "yesterday morning evening night week month year "
    "street st avenue ave road rd lane drive blvd boulevard suite apt unit box po p.o. floor building "
    "card number account address email phone mobile fax office home work please update send call meet "
    "my name id ssn iban ip url http https www com org net "
    "north south east west central upper lower greater little big "
    "company group inc ltd llc corp corporation team department service services customer support "
    "bank credit debit visa mastercard amex "
    "will can its let lets our via per re fw fwd note notes subject regards cheers best kind "
    "ceo cto cfo vp manager director president chairman engineer developer doctor nurse teacher "
    "english french german spanish italian dutch american british european african asian chinese japanese";

// Words that are names in one reading and ordinary words in another: they
// only count when capitalised away from a sentence start.
constexpr std::string_view kAmbiguous =
    "will may june april august grace hope faith joy art bill mark rose lily summer dawn guy jack frank pat sue "
    "sandy jan don ken ray gene chase page bell case hunter hunt ward wood woods young king long little white "
    "brown green black gray grey rich love good best small short strong hill day person house price cook cole "
    "fox stone rice mills wells banks park lane cross bush rose nice reading bath split mobile orange turkey chad "
    "jordan georgia victoria lincoln hamilton jersey guinea niger mali derby hull cork nancy tours aurora mesa "
    "irving chandler gilbert madison austin phoenix charlotte eugene lee paul john james miles an la le de";

template <class F>
void for_each_word(std::string_view data, F&& f) {
  std::size_t i = 0;
  while (i < data.size()) {
    while (i < data.size() && util::is_space(static_cast<unsigned char>(data[i]))) ++i;
    std::size_t b = i;
    while (i < data.size() && !util::is_space(static_cast<unsigned char>(data[i]))) ++i;
    if (i > b) f(data.substr(b, i - b));
  }
}

void add_words(WordSet& set, std::string_view data) {
  for_each_word(data, [&set](std::string_view w) { set.insert(fold(w)); });
}

void add_phrases(WordMap<int>& map, WordSet& firsts, int& max_tokens,
                 std::string_view data,
                 const std::function<bool(const std::string& phrase, const std::string& first, int tokens)>& skip = {}) {
  std::size_t i = 0;
  while (i <= data.size()) {
    std::size_t e = data.find_first_of("|\n", i);
    if (e == std::string_view::npos) e = data.size();
    auto phrase = data.substr(i, e - i);
    while (!phrase.empty() && util::is_space(static_cast<unsigned char>(phrase.front()))) phrase.remove_prefix(1);
    while (!phrase.empty() && util::is_space(static_cast<unsigned char>(phrase.back()))) phrase.remove_suffix(1);
    if (!phrase.empty()) {
      // Tokenise like the NER does: split on spaces and hyphens.
      std::string joined;
      int n = 0;
      std::size_t k = 0;
      while (k < phrase.size()) {
        while (k < phrase.size() && (phrase[k] == ' ' || phrase[k] == '-')) ++k;
        std::size_t b = k;
        while (k < phrase.size() && phrase[k] != ' ' && phrase[k] != '-') ++k;
        if (k > b) {
          if (n++) joined.push_back(' ');
          joined += fold(phrase.substr(b, k - b));
        }
      }
      const std::string first = joined.substr(0, joined.find(' '));
      if (!skip || !skip(joined, first, n)) {
        map.emplace(joined, n);
        firsts.insert(first);
        max_tokens = std::max(max_tokens, n);
      }
    }
    i = e + 1;
  }
}

}  // namespace

std::string fold(std::string_view w) {
  std::string out;
  out.reserve(w.size());
  fold_append(w, out);
  return out;
}

void fold_append(std::string_view w, std::string& out) {
  static constexpr char latin1[64 + 1] =
      "aaaaaaaceeeeiiiidnoooooxouuuuyts"  // C3 80..9F (upper case)
      "aaaaaaaceeeeiiiidnooooo/ouuuuyty";  // C3 A0..BF (lower case)
  for (std::size_t i = 0; i < w.size(); ++i) {
    auto c = static_cast<unsigned char>(w[i]);
    if (c == 0xC3 && i + 1 < w.size()) {
      auto n = static_cast<unsigned char>(w[i + 1]);
      if (n >= 0x80 && n <= 0xBF) {
        out.push_back(latin1[n - 0x80]);
        ++i;
        continue;
      }
    }
    if (c == 0xC5 && i + 1 < w.size()) {  // a few Latin Extended-A letters used in names
      auto n = static_cast<unsigned char>(w[i + 1]);
      const char* map = nullptr;
      switch (n) {
        case 0x81: case 0x82: map = "l"; break;  // Ł ł
        case 0x9A: case 0x9B: map = "s"; break;  // Ś ś
        case 0xA0: case 0xA1: map = "s"; break;  // Š š
        case 0xBD: case 0xBE: map = "z"; break;  // Ž ž
        case 0xBB: case 0xBC: map = "z"; break;  // Ż ż
        case 0x84: case 0x83: map = "n"; break;  // Ń ń
        default: break;
      }
      if (map) {
        out += map;
        ++i;
        continue;
      }
    }
    if (c == 0xC4 && i + 1 < w.size()) {
      auto n = static_cast<unsigned char>(w[i + 1]);
      const char* map = nullptr;
      switch (n) {
        case 0x8C: case 0x8D: case 0x86: case 0x87: map = "c"; break;  // Č č Ć ć
        case 0x98: case 0x99: map = "e"; break;                        // Ę ę
        case 0x84: case 0x85: map = "a"; break;                        // Ą ą
        case 0x9A: case 0x9B: map = "e"; break;                        // Ě ě
        default: break;
      }
      if (map) {
        out += map;
        ++i;
        continue;
      }
    }
    out.push_back(util::lower(static_cast<char>(c)));
  }
}

const Dictionaries& dictionaries() {
  // Built once and never destroyed: tearing ~150,000 strings down at exit
  // costs a short-lived CLI more than it frees (the process ends anyway).
  static const Dictionaries& d = *new Dictionaries([] {
    Dictionaries x;
    add_words(x.first_names, std::string_view(kFirstNames));
    add_words(x.surnames, std::string_view(kSurnames));
    add_words(x.org_words, std::string_view(kOrgWords));
    add_words(x.stop_words, kStopWords);
    add_words(x.ambiguous, kAmbiguous);
    add_phrases(x.locations, x.location_first, x.max_location_tokens, std::string_view(kLocations));
    // Left out of the generated places: one-word names that are also first
    // names or surnames ("Georgia", "Victoria": the hand list's ambiguity
    // rules decide those), and names starting with a stop word ("la ...",
    // "the ...", translations "republic of ..."), which would send every such
    // word of ordinary prose to a phrase lookup.
    add_phrases(x.locations, x.location_first, x.max_location_tokens, kPlaces,
                [&x](const std::string& phrase, const std::string& first, int tokens) {
                  return (tokens == 1 && (x.first_names.count(phrase) || x.surnames.count(phrase))) ||
                         x.stop_words.count(first);
                });
    add_phrases(x.orgs, x.org_first, x.max_org_tokens, std::string_view(kOrgs));
    auto mark = [&](const WordSet& set, unsigned bit) {
      for (const auto& w : set) x.word_flags[w] |= bit;
    };
    mark(x.first_names, Dictionaries::First);
    mark(x.surnames, Dictionaries::Sur);
    mark(x.stop_words, Dictionaries::Stop);
    mark(x.org_words, Dictionaries::OrgWord);
    mark(x.ambiguous, Dictionaries::Ambiguous);
    mark(x.location_first, Dictionaries::LocFirst);
    mark(x.org_first, Dictionaries::OrgFirst);
    for_each_word(kCommonWords, [&x](std::string_view w) { x.word_flags[std::string(w)] |= Dictionaries::Common; });
    return x;
  }());
  return d;
}

}  // namespace vault::pii::ner
