// Dictionary + capitalisation NER for PERSON / LOCATION / ORGANIZATION.
//
// Tokens are runs of letters (ASCII or any UTF-8 multibyte sequence, with
// inner apostrophes); hyphens join tokens. A text without any ASCII
// upper-case letter is scanned in "lower-case mode" (every token is looked
// up); otherwise only capitalised tokens start entities, which keeps the
// pass cheap on ordinary prose.
#include "ner.hpp"

#include "ner_dictionary.hpp"
#include "signature_orgs.hpp"
#include "text_util.hpp"
#include "titles.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <initializer_list>

namespace vault::pii::ner {

using namespace util;

namespace {

constexpr std::array<std::string_view, 5> kEntities{"LOCATION", "ORGANIZATION", "PERSON", "PREFIX", "TITLE"};

struct Tok {
  std::size_t b = 0, e = 0;
  std::uint32_t fo = 0, fl = 0;  // folded form: offset and length in the fold arena
  bool folded = false;
  bool cap = false;          // first letter upper case (ASCII or Latin-1)
  bool allcap = false;       // every ASCII letter upper case, at least two letters
  bool sent_start = false;   // first token of a sentence or line
  bool hyphen_before = false;
  bool dot_after = false;
  bool comma_after = false;
  bool break_after = false;  // sentence punctuation or newline after the token
  bool looked_up = false;    // `flags` valid
  unsigned flags = 0;        // Dictionaries category bits
};

bool upper_start(std::string_view t) {
  auto c = static_cast<unsigned char>(t[0]);
  if (c >= 'A' && c <= 'Z') return true;
  if (c == 0xC3 && t.size() > 1) {
    auto n = static_cast<unsigned char>(t[1]);
    return n >= 0x80 && n <= 0x9E && n != 0x97;
  }
  if ((c == 0xC4 || c == 0xC5) && t.size() > 1) return (static_cast<unsigned char>(t[1]) & 1) == 0;
  if (c == 0xCE && t.size() > 1) return static_cast<unsigned char>(t[1]) <= 0xA9;  // Greek capitals
  if (c == 0xD0 && t.size() > 1) return static_cast<unsigned char>(t[1]) <= 0xAF;  // Cyrillic capitals
  return false;
}

/// "mr", "dr", ... in lower case: "mr. martin" goes on after the period.
bool honorific(std::string_view w) {
  for (std::string_view h : {"mr", "mrs", "ms", "dr", "prof", "st", "jr", "sr"})
    if (w == h) return true;
  return false;
}

/// The apostrophe at i starts a possessive "'s" ("Liam's"): the name ends before it.
bool possessive(std::string_view text, std::size_t i) {
  return i + 1 < text.size() && (text[i + 1] == 's' || text[i + 1] == 'S') &&
         (i + 2 >= text.size() || !is_alpha(static_cast<unsigned char>(text[i + 2])));
}

/// Fills `toks` (cleared first; its capacity is kept between calls, so a
/// thread does not map fresh pages for every text).
void tokenize(std::string_view text, bool& lower_mode, std::vector<Tok>& toks) {
  toks.clear();
  toks.reserve(text.size() / 5 + 4);
  lower_mode = true;
  std::size_t i = 0;
  bool sentence = true, hyphen = false;
  while (i < text.size()) {
    auto c = static_cast<unsigned char>(text[i]);
    if (is_alpha(c) || c >= 0x80) {
      std::size_t b = i;
      int letters = 0, uppers = 0;
      while (i < text.size()) {
        auto d = static_cast<unsigned char>(text[i]);
        if (d >= 'a' && d <= 'z') ++i, ++letters;
        else if (d >= 'A' && d <= 'Z') ++i, ++letters, ++uppers;
        else if (d >= 0x80) ++i;
        else if ((d == '\'') && i + 1 < text.size() && is_alpha(static_cast<unsigned char>(text[i + 1])) && i > b &&
                 !possessive(text, i))
          ++i;
        else break;
      }
      Tok& t = toks.emplace_back();
      t.b = b;
      t.e = i;
      auto word = text.substr(b, i - b);
      t.cap = upper_start(word);
      if (uppers) lower_mode = false;
      t.allcap = letters >= 2 && uppers == letters;
      t.sent_start = sentence;
      t.hyphen_before = hyphen;
      sentence = hyphen = false;
      if (i < text.size()) {
        char n = text[i];
        t.dot_after = n == '.';
        t.comma_after = n == ',';
        hyphen = n == '-' && i + 1 < text.size() && (is_alpha(static_cast<unsigned char>(text[i + 1])) ||
                                                     static_cast<unsigned char>(text[i + 1]) >= 0x80);
      }
      continue;
    }
    if (c == '.' || c == '!' || c == '?' || c == '\n' || c == ':' || c == ';' || c == '>' || c == '"' ||
        c == '(' || c == '|') {
      // "Dr." / "St." / "Inc." are abbreviations, not sentence ends.
      bool abbrev = c == '.' && !toks.empty() && toks.back().e == i && toks.back().e - toks.back().b <= 4 &&
                    (toks.back().cap || honorific(text.substr(toks.back().b, i - toks.back().b)));
      if (!abbrev) {
        sentence = true;
        if (!toks.empty()) toks.back().break_after = true;
      }
    } else if (is_digit(c)) {
      if (!toks.empty()) toks.back().break_after = true;  // numbers end name runs
    }
    if (c != '-') hyphen = false;
    ++i;
  }
}

struct Ctx {
  std::string_view text;
  const Dictionaries& d;
  std::vector<Tok>& t;
  std::string& arena;  // folded forms, filled lazily by f()
  bool lower_mode;
  bool want_p, want_l, want_o;
  std::vector<Finding>& out;

  /// Token i folded ("Jürgen" -> "jurgen"), computed once.
  std::string_view f(std::size_t i) const {
    Tok& k = t[i];
    if (!k.folded) {
      k.fo = static_cast<std::uint32_t>(arena.size());
      fold_append(text.substr(k.b, k.e - k.b), arena);
      k.fl = static_cast<std::uint32_t>(arena.size() - k.fo);
      k.folded = true;
    }
    return std::string_view(arena).substr(k.fo, k.fl);
  }
  /// Dictionary categories of token i (looked up once, folded on demand).
  unsigned flags(std::size_t i) const {
    Tok& k = t[i];
    if (!k.looked_up) {
      auto it = d.word_flags.find(f(i));
      k.flags = it == d.word_flags.end() ? 0 : it->second;
      k.looked_up = true;
    }
    return k.flags;
  }
  bool is_first(std::size_t i) const { return flags(i) & Dictionaries::First; }
  bool is_sur(std::size_t i) const { return flags(i) & Dictionaries::Sur; }
  bool is_stop(std::size_t i) const { return flags(i) & Dictionaries::Stop; }
  bool is_orgword(std::size_t i) const { return flags(i) & Dictionaries::OrgWord; }
  bool is_common(std::size_t i) const { return flags(i) & Dictionaries::Common; }
  /// A name in one reading and an ordinary word in another ("Mark", "Grant",
  /// "Wall"): the hand list of such names, and every common English word.
  bool is_amb(std::size_t i) const { return flags(i) & (Dictionaries::Ambiguous | Dictionaries::Common); }
  /// A lone all-capitals token ("LANG", "SHELL", "MA"): an acronym, a variable
  /// or a heading word far more often than a name.
  bool lone_allcap(std::size_t i, std::size_t j) const { return i == j && t[i].allcap; }
  /// Part of code or a path rather than prose: "-Wall", "$HOME", "/usr/Foo",
  /// "foo_Bar", "Foo.bar", "Foo(", "Power4" ...
  bool code_like(std::size_t i) const {
    std::size_t b = t[i].b, e = t[i].e;
    if (b > 0) {
      char p = text[b - 1];
      if (p == '/' || p == '\\' || p == '$' || p == '%' || p == '_' || p == '=' || p == '@' || p == '#' || p == '{' ||
          (p == '.' && b > 1 && !is_space(static_cast<unsigned char>(text[b - 2]))))
        return true;
      if (p == '-' && (b == 1 || is_space(static_cast<unsigned char>(text[b - 2])))) return true;
    }
    if (e < text.size()) {
      char n = text[e];
      if (n == '/' || n == '_' || n == '=' || n == '@' || n == '(' || is_digit(static_cast<unsigned char>(n)) ||
          (n == '.' && e + 1 < text.size() && is_alnum(static_cast<unsigned char>(text[e + 1]))))
        return true;
      // a string literal of one word: substr("ABC", 1, 0)
      if (n == '"' && b > 0 && text[b - 1] == '"') return true;
    }
    return false;
  }
  /// camelCase: a lower-case letter then a capital ("MenuButton", "CoreList"),
  /// an identifier more often than a name; the names "McDonald", "MacLeod",
  /// "DeVito", "LaGrasta", "DiCaprio" aside. (Companies so written, "GitHub",
  /// "BlackRock", come from the dictionary first.)
  bool camel(std::size_t i) const {
    const std::size_t b = t[i].b, e = t[i].e;
    for (std::size_t k = b + 1; k + 1 < e; ++k)
      if (text[k] >= 'a' && text[k] <= 'z' && text[k + 1] >= 'A' && text[k + 1] <= 'Z') {
        const std::string_view head = text.substr(b, k + 1 - b);
        if (head == "Mc" || head == "Mac" || head == "De" || head == "La" || head == "Di" || head == "Le" ||
            head == "Van" || head == "Von" || head == "Du")
          continue;
        return true;
      }
    return false;
  }
  /// Adjacent in the text: only spaces (or one hyphen) between tokens i and i+1.
  bool adjacent(std::size_t i) const {
    if (i + 1 >= t.size() || t[i].break_after) return false;
    if (t[i].comma_after) return false;
    for (std::size_t k = t[i].e; k < t[i + 1].b; ++k) {
      char c = text[k];
      if (c != ' ' && c != '-' && c != '.' && c != '\t') return false;
    }
    return t[i + 1].b - t[i].e <= 3;
  }
  /// Case-insensitive comparison of token i's raw text with an ASCII word.
  bool word_is(std::size_t i, std::string_view w) const {
    if (t[i].e - t[i].b != w.size()) return false;
    for (std::size_t k = 0; k < w.size(); ++k)
      if (lower(text[t[i].b + k]) != w[k]) return false;
    return true;
  }
  /// Token i is one of `words` (raw, case-insensitive: no folding).
  template <class Words>
  bool word_in(std::size_t i, const Words& words) const {
    for (std::string_view w : words)
      if (word_is(i, w)) return true;
    return false;
  }
  bool word_in(std::size_t i, std::initializer_list<std::string_view> words) const {
    return word_in<std::initializer_list<std::string_view>>(i, words);
  }
  /// The first token starting at or after byte `byte` (t.size() if none).
  std::size_t token_at(std::size_t byte) const {
    return static_cast<std::size_t>(
        std::lower_bound(t.begin(), t.end(), byte, [](const Tok& k, std::size_t b) { return k.b < b; }) - t.begin());
  }
  bool particle(std::size_t i) const;
  /// Organisations found with confidence (score >= 0.5, from out[first] on)
  /// lend their type to the capitalised runs coordinated with them: "Ceiba
  /// Solutions, Seeclickfix and Hubbard-Thomas", "Google, Ideas42 & Co".
  /// A run already found as something else with confidence keeps that.
  void coordinated_orgs(std::size_t first);
  /// The items of a list after a colon, in a sentence that names businesses
  /// before it ("the car manufacturers that dominate ...: Onstar,
  /// Nonprofitmetrics and Getraised"), are organisations.
  void listed_orgs(std::size_t first);
  /// Marks tokens [b, e] an organisation (score 0.55) unless something found
  /// from out[first] on overlaps them with confidence: a finding above 0.6,
  /// a known first name or surname, anything but a person or a place. The
  /// weaker guesses it overlaps (an unknown word taken for a name) give way.
  bool claim_org(std::size_t first, std::size_t b, std::size_t e);
  /// The capitalised run joined to token z by ", ", " and ", ", and ", " or ",
  /// " & " (right: true, the run after z; false, the run ending before token
  /// z); {0, 0} when there is none. At most five tokens, "of" inside.
  std::pair<std::size_t, std::size_t> coordinated_run(std::size_t z, bool right, bool& conj) const;
  /// The first part of a compound with a lower-case word ("Long-name",
  /// "Power-saving"): no name; double-barrelled names go on in capitals.
  bool compound(std::size_t i) const {
    std::size_t e = t[i].e;
    return e + 1 < text.size() && text[e] == '-' && text[e + 1] >= 'a' && text[e + 1] <= 'z' && !lower_mode;
  }
  /// Tokens i..j are all common words, none joined by a hyphen.
  bool all_common(std::size_t i, std::size_t j) const {
    for (std::size_t k = i; k <= j; ++k)
      if (!is_common(k) || (k > i && t[k].hyphen_before)) return false;
    return true;
  }
  /// Tokens i..j are all their line holds.
  bool whole_line(std::size_t i, std::size_t j) const {
    auto blank = [](char ch) { return ch == ' ' || ch == '\t' || ch == '\r' || ch == '>'; };
    for (std::size_t k = t[i].b; k > 0 && text[k - 1] != '\n'; --k)
      if (!blank(text[k - 1])) return false;
    for (std::size_t k = t[j].e; k < text.size() && text[k] != '\n'; ++k)
      if (!blank(text[k]) && text[k] != '.' && text[k] != ',') return false;
    return true;
  }
  /// The line above token i's starts like a street or unit line of a postal
  /// address: a house number ("12 Orchard Road", not "3. Conveying") or
  /// Apt / Suite / Unit / Box / Flat / Floor / P.O.
  bool unit_line_above(std::size_t i) const {
    std::size_t k = text.rfind('\n', t[i].b);
    if (k == std::string_view::npos || k == 0) return false;
    std::size_t b = text.rfind('\n', k - 1);
    b = b == std::string_view::npos ? 0 : b + 1;
    while (b < k && (text[b] == ' ' || text[b] == '\t' || text[b] == '>' || text[b] == '?' || text[b] == '-' ||
                     text[b] == '*'))
      ++b;
    if (k - b >= 3 && text.substr(b, 3) == "\xE2\x80\xA2") b += 3;
    while (b < k && text[b] == ' ') ++b;
    if (b >= k) return false;
    if (is_digit(static_cast<unsigned char>(text[b]))) {
      std::size_t e = b;
      while (e < k && is_digit(static_cast<unsigned char>(text[e]))) ++e;
      return !(e < k && text[e] == '.');
    }
    auto line = text.substr(b, k - b);
    for (std::string_view w : {"apt", "suite", "unit", "box", "flat", "floor", "p.o", "po box"})
      if (line.size() > w.size() && std::equal(w.begin(), w.end(), line.begin(),
                                               [](char x, char y) { return x == lower(y); }))
        return true;
    return false;
  }
  /// A capitalised common word that is no name ("License", "Compiler").
  bool title_word(std::size_t i) const {
    return t[i].cap && is_common(i) && !(flags(i) & (Dictionaries::First | Dictionaries::Sur)) && !function_word(i);
  }
  /// Articles, pronouns, prepositions, greetings and honorifics: capitalised,
  /// they open a name's sentence ("Dear Grant") rather than a heading.
  bool function_word(std::size_t i) const;
  /// Tokens i..j stand in a run of title-case words ("License Grant", "Title
  /// Page", "Pascal Compiler"): a heading or a product, not a name.
  bool title_case_run(std::size_t i, std::size_t j) const {
    return (i > 0 && adjacent(i - 1) && title_word_before(i)) || (j + 1 < t.size() && adjacent(j) && title_word(j + 1));
  }
  /// Token i - 1 is a title word, and not a sentence's first word that is
  /// capitalised only for that ("Then Bob left", but "Developer Grant.").
  bool title_word_before(std::size_t i) const {
    return title_word(i - 1) && !(t[i - 1].sent_start && is_stop(i - 1) && !(i >= 2 && t[i - 2].cap));
  }
  /// Evidence that first name i, also a common word ("Maria", "Daisy",
  /// "Grant"), is used as a name: a surname or a capitalised non-word follows
  /// ("Maria Lynge"), it is a speaker label at a line start ("Troy: ..."), it
  /// stands in a list of first names ("Daisy, Christina"), or a person cue
  /// precedes it ("named randy").
  bool name_evidence(std::size_t i) const {
    if (i + 1 < t.size() && adjacent(i) && (is_sur(i + 1) || (t[i + 1].cap && !t[i + 1].allcap && !is_common(i + 1) &&
                                                               !is_stop(i + 1) && !is_orgword(i + 1))))
      return true;
    std::size_t e = t[i].e, b = t[i].b;
    if (e < text.size() && text[e] == ':' && (b == 0 || text[b - 1] == '\n')) return true;
    auto listed = [this](std::size_t k) { return k < t.size() && is_first(k); };
    if (t[i].comma_after && listed(i + 1)) return true;
    if (i > 0 && (t[i - 1].comma_after || word_is(i - 1, "and")) && listed(i - 1 - (word_is(i - 1, "and") ? 1 : 0)))
      return true;
    if (i > 0 && !t[i - 1].break_after) {
      const std::string_view prev = f(i - 1);
      for (std::string_view cue : {"named", "called", "dear", "hi", "hello", "hey", "thanks", "thank", "met", "meet", "told",
                       "asked", "married", "son", "daughter", "wife", "husband", "mr", "mrs", "ms", "dr"})
        if (prev == cue) return true;
    }
    // "says peter.", "my name is Grant", "the Peter novel", "Peter's address"
    return person_cue_before(i) || person_context(i, i);
  }
  /// Token i follows a form label of `labels` and its colon ("Name: X"), or
  /// the label `asked` and a question mark ("your name? X").
  template <std::size_t N>
  bool label_before(std::size_t i, const std::string_view (&labels)[N], std::string_view asked) const;
  /// The words before token i introduce a person's name: "my name is X",
  /// "call me X", "named X", "Hi X", "says X", "starring X", "written by X".
  bool person_cue_before(std::size_t i) const;
  /// Tokens i..j open their line as a speaker label before a quote
  /// ("Brodie: \"Who are you?\"") or as a vocative ("Clotilde, can I ...").
  bool addressed_or_speaking(std::size_t i, std::size_t j) const;
  /// Ordinary English around tokens i..j describes a person: "a song by
  /// (ex-Zombie) X", "the X novel", "X's address", "X is very reliable", "why
  /// is X so impulsive".
  bool person_context(std::size_t i, std::size_t j) const;
  /// "his" / "her" / "their" follows the capitalised run from token i.
  bool possessive_after(std::size_t i) const;
  /// The words after token j say a person did something: "X said",
  /// "X shouted at", "X is from", "X was born".
  bool person_verb_after(std::size_t j) const;
  /// The words before token i say a place follows: a form label ("Where:",
  /// "City:") or a verb of living or moving with its preposition ("lives in",
  /// "grew up in", "moved here from", "arrived at", "I'm in").
  bool place_cue_before(std::size_t i) const;
  /// The words before token i name an employer: "two years at X", "works for X", "joined X".
  bool employer_cue_before(std::size_t i) const;
  /// The last token of the run of capitalised words from token i (at most
  /// six; "of", "and", "&" inside when a capitalised word follows them).
  std::size_t capitalised_run(std::size_t i) const {
    std::size_t j = i;
    while (j + 1 < t.size() && j - i < 5 && adjacent(j)) {
      if (t[j + 1].cap && !code_like(j + 1)) {
        ++j;
      } else if ((word_is(j + 1, "of") || word_is(j + 1, "and")) && j + 2 < t.size() && adjacent(j + 1) &&
                 t[j + 2].cap) {
        j += 2;
      } else {
        break;
      }
    }
    return j;
  }
  /// A cheap first test for the cues of rule 1b, asked of every capitalised
  /// word: the word before starts like "at", "the", "for", "by", "of",
  /// "joined", "employer", "became", "renamed", "rebranded".
  bool cue_word_before(std::size_t i) const {
    if (i == 0 || t[i - 1].cap) return false;
    const char c = text[t[i - 1].b];
    return c == 'a' || c == 't' || c == 'f' || c == 'b' || c == 'o' || c == 'j' || c == 'e' || c == 'r';
  }
  /// "which later became X", "was renamed X": a business under its new name
  /// (or a place; a title after "became" is a stop word and stays out).
  bool renamed_cue_before(std::size_t i) const {
    if (i < 2 || !adjacent(i - 1) || !adjacent(i - 2)) return false;
    if (word_is(i - 1, "renamed") || word_is(i - 1, "rebranded")) return true;
    if (!word_is(i - 1, "became")) return false;
    return word_in(i - 2, {"later", "eventually", "subsequently", "soon", "which", "then"});
  }
  /// An article or determiner before token i ("a Contribution"): a term, not a name.
  bool determiner_before(std::size_t i) const {
    if (i == 0 || t[i - 1].break_after || t[i - 1].comma_after) return false;
    return word_in(i - 1, {"a", "an", "the", "this", "that", "any", "each", "every", "no", "its", "their", "our",
                               "your", "his", "her", "such"});
  }
  /// Token i is a month or a weekday (or its abbreviation) and a number
  /// follows it: a date ("June 2023", "Mon, 14 Aug"), not a name.
  bool date_word_before_number(std::size_t i) const {
    // (asked of every capitalised word: the number after it first, then the words)
    const std::size_t n = t[i].e - t[i].b;
    if (n < 3 || n > 9 || !t[i].break_after) return false;  // a digit after it sets break_after
    std::size_t k = t[i].e;
    while (k < text.size() && (text[k] == ' ' || text[k] == ',' || text[k] == '.')) ++k;
    if (k >= text.size() || !is_digit(static_cast<unsigned char>(text[k]))) return false;
    static constexpr std::string_view kDateWords[] = {
        "january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
        "november", "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
        "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "mon", "tue", "tues", "wed",
        "thu", "thur", "thurs", "fri", "sat", "sun"};
    return word_in(i, kDateWords);
  }
  /// Token i is joined by a hyphen to "style", "like", "based", "compatible" ...
  bool suffix_adjective(std::size_t i) const {
    if (i + 1 >= t.size() || !t[i + 1].hyphen_before) return false;
    return word_in(i + 1, {"style", "like", "based", "compatible", "specific", "related", "oriented", "ish",
                               "inspired", "derived", "flavoured", "flavored", "esque", "type"});
  }
  /// Token i names a kind of software or tool ("Compiler", "Toolkit",
  /// "Packages"): a capitalised run before it is a product's name.
  bool product_noun(std::size_t i) const {
    const std::size_t n = t[i].e - t[i].b;
    if (n < 3 || n > 12) return false;  // (asked of many tokens: lengths first)
    return word_in(i, {"compiler", "compilers", "toolkit", "library", "libraries", "framework", "package",
                               "packages", "makefile", "editor", "interpreter", "debugger", "kernel", "driver", "engine",
                               "runtime", "sdk", "api", "shell", "server", "client", "plugin", "plugins", "extension",
                               "language", "script", "scripts", "utility", "utilities", "downloader", "installer",
                               "browser", "emulator", "terminal", "console", "compositor", "daemon", "programming",
                               "source", "syntax", "mode", "dialect", "unit", "units", "bindings"});
  }
  /// A kinship word, rank or title written before a name ("Uncle Pascal",
  /// "Captain Ahab", "Young Werther"): the name stays a name after it.
  bool name_head(std::size_t i) const {
    return word_in(i, {"uncle", "aunt", "auntie", "grandma", "grandpa", "granny", "cousin", "brother", "sister",
                               "father", "mother", "doctor", "officer", "captain", "professor", "coach", "judge",
                               "senator", "general", "colonel", "sergeant", "lieutenant", "major", "saint", "king",
                               "queen", "prince", "princess", "pope", "bishop", "rabbi", "reverend", "pastor", "agent",
                               "detective", "inspector", "nurse", "chef", "governor", "mayor", "minister", "sheriff",
                               "young", "little", "old", "big", "poor", "sweet", "baby", "dear", "friend", "neighbour",
                               "neighbor", "cardinal", "count", "duke", "sir", "dame", "master", "madame", "monsieur"});
  }
  /// An accented proper noun ("Szôllôs", "Truhlářská") with nothing else to
  /// go by: a street or a place next to a number ("Truhlářská 996", "42
  /// Långlöt"), else a person.
  void emit_foreign(std::size_t i, std::size_t j) {
    std::size_t b = t[i].b, e = t[j].e;
    while (b > 0 && text[b - 1] == ' ') --b;
    while (e < text.size() && text[e] == ' ') ++e;
    const bool numbered = (b > 0 && is_digit(static_cast<unsigned char>(text[b - 1]))) ||
                          (e < text.size() && is_digit(static_cast<unsigned char>(text[e])));
    if (numbered) {
      if (want_l) emit("LOCATION", i, j, 0.5);
    } else if (want_p) {
      emit("PERSON", i, j, 0.5);
    }
  }
  /// A token of i..j that is no common word holds an accented Latin letter
  /// (UTF-8 lead bytes 0xC3-0xC9: Latin-1 Supplement, Latin Extended-A and -B).
  bool latin_accents(std::size_t i, std::size_t j) const {
    for (std::size_t k = i; k <= j; ++k) {
      if (is_common(k)) continue;
      for (std::size_t b = t[k].b; b < t[k].e; ++b) {
        auto u = static_cast<unsigned char>(text[b]);
        if (u >= 0xC3 && u <= 0xC9) return true;
      }
    }
    return false;
  }
  /// Token j is a company's legal form: "Ltd", "Inc", "GmbH", "Corporation".
  bool legal_form(std::size_t j) const {
    return word_in(j, {"inc", "incorporated", "llc", "ltd", "limited", "corp", "corporation", "co", "plc", "gmbh",
                               "ag", "sa", "srl", "spa", "bv", "nv", "oy", "kg", "pty", "lp", "llp", "pllc", "company"});
  }
  /// Token i (or "The" before it) stands where a copyright notice names its
  /// holder: after a year, "(c)" or "©", and an optional "by".
  bool holder_before(std::size_t i) const {
    std::size_t k = t[i].b;
    auto skip_back = [this, &k](std::string_view w) {
      std::size_t m = k;
      while (m > 0 && (text[m - 1] == ' ' || text[m - 1] == '\t')) --m;
      if (m >= w.size() && std::equal(w.begin(), w.end(), text.begin() + static_cast<std::ptrdiff_t>(m - w.size()),
                                      [](char a, char b) { return a == lower(b); }) &&
          (m == w.size() || !is_alpha(static_cast<unsigned char>(text[m - w.size() - 1]))))
        k = m - w.size();
    };
    skip_back("the");
    skip_back("by");
    while (k > 0 && (text[k - 1] == ' ' || text[k - 1] == ',' || text[k - 1] == '\t')) --k;
    if (k >= 3 && (text.substr(k - 3, 3) == "(c)" || text.substr(k - 3, 3) == "(C)")) return true;
    if (k >= 2 && text.substr(k - 2, 2) == "\xC2\xA9") return true;  // ©
    std::size_t d = k;
    while (d > 0 && is_digit(static_cast<unsigned char>(text[d - 1]))) --d;
    return k - d == 4 && (d == 0 || !is_alnum(static_cast<unsigned char>(text[d - 1])));
  }
  /// A noun of science or engineering follows token j: "Huffman coding", "Bayes theorem".
  bool eponym_after(std::size_t j) const {
    if (j + 1 >= t.size() || !adjacent(j) || t[j + 1].cap) return false;
    return word_in(j + 1, {"coding", "code", "codes", "algorithm", "tree", "trees", "distribution", "transform",
                               "theorem", "equation", "equations", "function", "functions", "number", "numbers", "effect",
                               "law", "principle", "constant", "test", "method", "filter", "curve", "series", "model",
                               "scale", "index", "distance", "encoding", "decomposition", "inequality", "conjecture",
                               "lemma", "integral", "matrix", "space", "hash", "cipher", "sort", "search", "table",
                               "graph", "notation", "format", "protocol", "window", "noise", "variable", "variables"});
  }
  /// "X office", "X headquarters", "X employees": the place or the people of a business.
  bool org_noun_after(std::size_t j) const {
    if (j + 1 >= t.size() || !adjacent(j)) return false;
    return word_in(j + 1, {"office", "offices", "headquarters", "hq", "employees", "staff", "team"});
  }
  /// "the address of X": a business (or someone) whose address is given.
  bool address_of_before(std::size_t i) const {
    return i >= 2 && word_is(i - 1, "of") && word_is(i - 2, "address") && adjacent(i - 2) && adjacent(i - 1);
  }
  /// Only punctuation that ends a clause (or the text) follows token j: "... is from Yahoo." but not "Section 3".
  bool clause_ends_after(std::size_t j) const {
    std::size_t k = t[j].e;
    while (k < text.size() && text[k] == ' ') ++k;
    return k >= text.size() || text[k] == '.' || text[k] == ',' || text[k] == ';' || text[k] == '!' || text[k] == '?' ||
           text[k] == '\n';
  }
  /// Token k ("for", "by", "of") and the word before it name an employer
  /// relation: "works for", "acquired by", "CEO of".
  bool work_relation(std::size_t k) const;
  /// "at X, <house number> ...": a business given with its address.
  bool venue_with_address(std::size_t i, std::size_t j) const;
  /// The words after token j are a company's doings: "X invested", "X was founded".
  bool org_verb_after(std::size_t j) const;
  /// Tokens i..j stand in a comma list next to a first name or surname ("Malon, Mark, Kaylee").
  bool in_name_list(std::size_t i, std::size_t j) const {
    if (i > 0 && (t[i - 1].comma_after || word_is(i - 1, "and"))) {
      std::size_t k = word_is(i - 1, "and") ? i - 2 : i - 1;
      if (k < t.size() && (is_first(k) || is_sur(k)) && t[k].cap == t[i].cap) return true;
    }
    if (j + 1 < t.size() && (t[j].comma_after || (adjacent(j) && word_is(j + 1, "and")))) {
      std::size_t k = t[j].comma_after ? j + 1 : j + 2;
      if (k < t.size() && (is_first(k) || is_sur(k)) && t[k].cap == t[i].cap) return true;
    }
    return false;
  }
  /// The token before i says an organisation follows: "at X", "joined X",
  /// "works for X", "employed by X", "CEO of X".
  bool org_cue_before(std::size_t i) const;
  /// Token i follows "<digits>, " or starts a short line without digits right
  /// below a street or unit line, or a line ending in a number.
  bool after_address(std::size_t i) const {
    std::size_t k = t[i].b;
    while (k > 0 && bullet_before(k)) k -= bullet_before(k);
    if (k > 0 && text[k - 1] == ',') {
      --k;
      while (k > 0 && text[k - 1] == ' ') --k;
      // a number of its own ("Rosenvej 12, Odense"), not the end of a word ("POP3, IMAP")
      std::size_t d = k;
      while (d > 0 && is_digit(static_cast<unsigned char>(text[d - 1]))) --d;
      return d < k && (d == 0 || !is_alpha(static_cast<unsigned char>(text[d - 1])));
    }
    if (k == 0 || text[k - 1] != '\n') return false;
    // the previous line must be a street or unit line; this line must be short (no digits)
    std::size_t line_end = text.find('\n', t[i].b);
    if (line_end == std::string_view::npos) line_end = text.size();
    auto line = text.substr(t[i].b, line_end - t[i].b);
    if (line.size() > 40) return false;
    for (char ch : line)
      if (is_digit(static_cast<unsigned char>(ch))) return false;
    return unit_line_above(i) || number_ends_line_above(i);
  }
  /// Bytes of a blank or bullet ("> ", "- ", "* ", "• ", "???") ending at k; 0 if none.
  std::size_t bullet_before(std::size_t k) const {
    char c = text[k - 1];
    if (c == ' ' || c == '\t' || c == '>' || c == '-' || c == '*' || c == '?') return 1;
    if (k >= 3 && text.substr(k - 3, 3) == "\xE2\x80\xA2") return 3;
    return 0;
  }
  /// The line above token i's ends with a number ("Rosenvej 12", "ul. Polna 3").
  bool number_ends_line_above(std::size_t i) const {
    std::size_t k = text.rfind('\n', t[i].b);
    if (k == std::string_view::npos) return false;
    while (k > 0 && (text[k - 1] == ' ' || text[k - 1] == '\r' || text[k - 1] == ',')) --k;
    return k > 0 && is_digit(static_cast<unsigned char>(text[k - 1])) && !(k >= 2 && text[k - 2] == '.');
  }
  bool name_like(std::size_t i) const {
    if (i >= t.size()) return false;
    if (lower_mode) return is_sur(i) || is_first(i);
    return t[i].cap && !is_stop(i) && !is_orgword(i);
  }
  void emit(std::string_view entity, std::size_t from, std::size_t to, double score) {
    if (entity == "PERSON" && street_type_after(to)) {  // "Anderson Street": a street named after someone
      out.push_back(Finding{"ADDRESS", std::max(score, 0.6), t[from].b, t[to + 1].e, 0, 0, "dictionary"});
      return;
    }
    if (entity == "PERSON" && !lower_mode && capitals_mixed(from, to)) return;
    out.push_back(Finding{std::string(entity), score, t[from].b, t[to].e + (t[to].dot_after && is_orgword(to) ? 1 : 0),
                          0, 0, "dictionary"});
    if (entity == "LOCATION" && score >= 0.5) postal_code_next_to(t[from].b, t[to].e);
  }
  /// A run of capitals mixed with other words ("LANG Used") or capitals
  /// made of common words only ("SHORT-OPTION"): markup or a heading.
  bool capitals_mixed(std::size_t from, std::size_t to) const {
    // a degree or suffix after a name ("Ryan Bagy MD", "... DDS") is no markup
    if (to > from && t[to].allcap && t[to].e - t[to].b <= 3 && !t[to - 1].allcap) --to;
    bool any = false, all = true, all_common = true;
    for (std::size_t k = from; k <= to; ++k) {
      any = any || t[k].allcap;
      all = all && t[k].allcap;
      all_common = all_common && is_common(k);
    }
    return any && (!all || all_common);
  }
  /// The token after j, in the same phrase, is a street type ("Street", "Road", "Avenue", ...).
  bool street_type_after(std::size_t j) const {
    if (j + 1 >= t.size() || !adjacent(j) || !t[j + 1].cap) return false;
    return word_in(j + 1, {"street", "st", "avenue", "ave", "road", "rd", "lane", "ln", "drive", "boulevard",
                               "blvd", "way", "square", "sq", "terrace", "court", "crescent", "close", "gardens",
                               "parkway", "highway", "alley", "row", "mews", "strasse", "straße", "gasse", "utca"});
  }
  /// A postal code right after a place ("Paraguay 81365", "Springfield 62704-1234")
  /// or right before it ("75008 Paris") is part of the address: 5 or 6
  /// digits, or 4 that are no year (19xx, 20xx), on the same line.
  void postal_code_next_to(std::size_t b, std::size_t e) {
    auto code = [this](std::size_t cb, std::size_t ce) {
      const std::size_t n = ce - cb;
      if (n < 4 || n > 6) return false;
      if (n == 4 && (text.substr(cb, 2) == "19" || text.substr(cb, 2) == "20")) return false;
      return true;
    };
    std::size_t k = e;
    while (k < text.size() && k - e < 3 && (text[k] == ' ' || text[k] == ',')) ++k;
    if (k > e) {
      std::size_t ce = k;
      while (ce < text.size() && is_digit(static_cast<unsigned char>(text[ce]))) ++ce;
      std::size_t end = ce;
      if (ce < text.size() && text[ce] == '-') {  // ZIP+4
        std::size_t x = ce + 1;
        while (x < text.size() && is_digit(static_cast<unsigned char>(text[x]))) ++x;
        if (x - ce - 1 == 4) end = x;
      }
      if (code(k, ce) && (end >= text.size() || !is_alnum(static_cast<unsigned char>(text[end])))) {
        out.push_back(Finding{"ADDRESS", 0.6, k, end, 0, 0, "dictionary"});
        return;
      }
    }
    k = b;
    while (k > 0 && b - k < 2 && text[k - 1] == ' ') --k;
    if (k < b) {
      std::size_t cb = k;
      while (cb > 0 && is_digit(static_cast<unsigned char>(text[cb - 1]))) --cb;
      // "02110-1301 USA": the code is the whole ZIP+4, not its last four digits
      // ("D-75008 Paris" keeps its letter prefix out).
      if (cb >= 2 && text[cb - 1] == '-' && is_digit(static_cast<unsigned char>(text[cb - 2]))) {
        std::size_t zb = cb - 1;
        while (zb > 0 && is_digit(static_cast<unsigned char>(text[zb - 1]))) --zb;
        if (cb - 1 - zb == 5 && k - cb == 4 && (zb == 0 || !is_alnum(static_cast<unsigned char>(text[zb - 1]))))
          out.push_back(Finding{"ADDRESS", 0.6, zb, k, 0, 0, "dictionary"});
        return;
      }
      if (code(cb, k) && (cb == 0 || text[cb - 1] == ' ' || text[cb - 1] == '\n' || text[cb - 1] == '-'))
        out.push_back(Finding{"ADDRESS", 0.6, cb, k, 0, 0, "dictionary"});
    }
  }
  /// Longest dictionary phrase starting at token i: returns token count (0 = none).
  int phrase(const WordMap<int>& map, const WordSet& firsts,
             int max_tokens, std::size_t i) const {
    unsigned bit = &firsts == &d.location_first ? Dictionaries::LocFirst : Dictionaries::OrgFirst;
    if (!(flags(i) & bit)) return 0;
    std::string key;
    int best = 0;
    for (int n = 0; n < max_tokens && i + static_cast<std::size_t>(n) < t.size(); ++n) {
      std::size_t k = i + static_cast<std::size_t>(n);
      if (n > 0) {
        if (!adjacent(k - 1)) break;
        key.push_back(' ');
      }
      key += f(k);
      if (map.count(key)) best = n + 1;
    }
    return best;
  }
};

constexpr std::string_view kTitles[] = {"mr", "mrs", "ms", "miss", "dr", "prof", "sir", "madam", "lady", "lord", "mx"};
constexpr std::string_view kParticles[] = {"van", "der", "den", "de", "da", "di", "von", "la", "le", "del", "dos", "du", "bin", "al", "ter", "ten"};
constexpr std::string_view kPlacePreps[] = {"from", "in", "at", "to", "near", "visit", "visited", "visiting", "arrived",
                                            "leaving", "towards", "toward", "into", "outside", "around", "across"};
constexpr std::string_view kPersonCues[] = {"by", "named", "called", "dear", "with", "meet", "met", "told", "asked",
                                            "thanks", "thank", "hi", "hello", "hey", "cc", "and", "or", "married",
                                            "starring", "director", "son", "daughter", "wife", "husband", "partner"};

template <std::size_t N>
bool in(const std::string_view (&list)[N], std::string_view w) {
  for (auto x : list)
    if (x == w) return true;
  return false;
}

constexpr std::string_view kOrgCues[] = {"at", "joined", "joining", "join", "joins", "employer", "ceo", "cfo", "cto",
                                         "founder", "cofounder", "co-founder"};
/// Before "for": work done for an employer ("works for X", "recorded for X").
constexpr std::string_view kWorkFor[] = {"work",   "works",     "worked", "working", "consultant", "consulting",
                                         "intern", "recorded", "wrote",  "writes",  "writing"};
/// Before "by": a business's relation to another ("employed by X", "acquired
/// by X"); not "a work by X" (an author) or "published by Netscape".
constexpr std::string_view kOwnedBy[] = {"employed", "hired", "acquired", "owned", "founded", "funded",
                                         "sponsored", "backed", "bought"};
/// Before "of": a role in a business ("CEO of X"); not "a work of the Library".
constexpr std::string_view kRoleOf[] = {"ceo",      "cfo",      "cto",   "founder", "cofounder", "co-founder",
                                        "president", "chairman", "director", "head",  "employee",  "employees",
                                        "staff",    "consultant"};

/// Token k ("for", "by", "of") and the word before it name an employer relation.
bool Ctx::work_relation(std::size_t k) const {
  if (k == 0 || t[k - 1].break_after || t[k - 1].comma_after) return false;
  if (word_is(k, "for")) return in(kWorkFor, f(k - 1));
  if (word_is(k, "by")) return in(kOwnedBy, f(k - 1));
  if (word_is(k, "of")) return in(kRoleOf, f(k - 1));
  return false;
}
/// Before "at": time spent or work done there ("two years at X", "an internship at X").
constexpr std::string_view kWorkAt[] = {"year", "years", "month", "months", "work", "works", "worked", "working",
                                        "job", "jobs", "intern", "internship", "employed", "position", "career",
                                        "role", "stint", "shift", "manager", "engineer", "analyst", "assistant"};

bool Ctx::employer_cue_before(std::size_t i) const {
  // "a year at The Schork Report", "works for the Acme Corporation": the
  // article belongs to the name (not so after "of": "a work of the Library")
  if (i >= 3 && word_is(i - 1, "the") && adjacent(i - 1) && (word_is(i - 2, "at") || word_is(i - 2, "for"))) --i;
  if (i < 2 || t[i - 1].break_after || t[i - 1].comma_after || t[i - 2].break_after || t[i - 2].comma_after)
    return false;
  // (asked of every capitalised word: the raw comparisons first, no folding)
  if (word_is(i - 1, "at")) return in(kWorkAt, f(i - 2));
  if (work_relation(i - 1)) return true;
  return word_is(i - 1, "joined") || word_is(i - 1, "joining") || word_is(i - 1, "employer");
}

bool Ctx::venue_with_address(std::size_t i, std::size_t j) const {
  // "meet at X, 64 Kiraly u. 23": a place of business given with its street address
  if (i == 0 || t[i - 1].break_after || !word_is(i - 1, "at") || !t[j].comma_after) return false;
  std::size_t k = t[j].e + 1;
  while (k < text.size() && text[k] == ' ') ++k;
  return k < text.size() && is_digit(static_cast<unsigned char>(text[k]));
}

bool Ctx::org_cue_before(std::size_t i) const {
  if (i == 0 || t[i - 1].break_after || t[i - 1].comma_after) return false;
  const std::string_view prev = f(i - 1);
  if (in(kOrgCues, prev)) return true;
  return work_relation(i - 1);
}

constexpr std::string_view kNameIntroducers[] = {"named", "called", "dear", "hi", "hello", "hey", "says", "said",
                                                 "starring", "featuring", "thanks", "cc", "asked", "told", "ask",
                                                 "tell", "married", "signed"};
constexpr std::string_view kGivingVerbs[] = {"gave", "given", "give", "gives", "giving", "sent", "send", "sends",
                                            "told", "tell", "asked", "ask", "paid", "pay", "showed", "show", "handed",
                                            "offered", "promised", "lent", "owed"};
constexpr std::string_view kPersonVerbs[] = {"said", "says", "shouted", "told", "asked", "replied", "wrote", "answered",
                                             "lives", "lived", "spent", "married", "smiled", "laughed", "explained",
                                             "added", "noted", "thinks", "thought", "wants", "wanted", "knows", "knew",
                                             "cried", "whispered", "yelled", "agreed", "argued", "insisted"};

constexpr std::string_view kAuthorship[] = {"written", "directed", "produced", "composed", "painted", "sung",
                                           "performed", "edited", "authored", "signed", "narrated", "illustrated",
                                           "photographed", "played", "recorded", "sculpted", "choreographed"};

constexpr std::string_view kPersonLabels[] = {"name", "customer", "patient", "client", "employee", "contact", "attn",
                                              "author", "from", "to", "cc", "bcc", "user", "speaker", "applicant",
                                              "tenant", "recipient", "sender", "candidate", "beneficiary"};

template <std::size_t N>
bool Ctx::label_before(std::size_t i, const std::string_view (&labels)[N], std::string_view asked) const {
  if (i == 0) return false;
  std::size_t k = t[i - 1].e;
  if (k >= text.size() || (text[k] != ':' && text[k] != '?')) return false;  // before any folding
  const std::string_view label = f(i - 1);
  if (!in(labels, label)) return false;
  if (!(text[k] == ':' || (text[k] == '?' && label == asked))) return false;
  ++k;
  while (k < t[i].b && (text[k] == ' ' || text[k] == '\t')) ++k;
  return k == t[i].b;
}

bool Ctx::person_cue_before(std::size_t i) const {
  if (i == 0) return false;
  // A form or mail-header label ("Name: X", "From: X"), or "what's your name? X".
  if (label_before(i, kPersonLabels, "name")) return true;
  if (t[i - 1].break_after) return false;
  const std::string_view prev = f(i - 1);
  if (in(kNameIntroducers, prev)) return true;
  if (in(kGivingVerbs, prev)) return possessive_after(i);  // "had given X his address"
  if (i < 2 || t[i - 2].break_after) return false;
  const std::string_view before = f(i - 2);
  if (prev == "is" || prev == "was") return before == "name";  // "my name is X", "her maiden name is X"
  if (prev == "me") return before == "call" || before == "calls" || before == "called";
  if (prev == "by")  // "directed by X", "written by X"; not "published by Netscape", "received by Licensor"
    return in(kAuthorship, before);
  return false;
}

/// Works people make: "a song by X", "the X novel".
constexpr std::string_view kWorks[] = {"song",    "songs",  "novel",  "novels", "book",      "books",     "film",
                                       "films",   "movie",  "album",  "poem",   "painting",  "paintings", "play",
                                       "essay",   "story",  "memoir", "biography", "photograph", "sculpture", "opera",
                                       "symphony", "sonata", "single", "record", "remix",    "cover"};
/// What a person has: "X's address", "X's wife".
constexpr std::string_view kBelongings[] = {"address", "phone",   "number", "email",  "wife",     "husband", "mother",
                                            "father",  "son",     "daughter", "birthday", "house", "home",    "car",
                                            "account", "friend",  "boss",   "sister", "brother",  "family",  "parents",
                                            "children", "kids",   "girlfriend", "boyfriend", "partner", "office", "desk"};
/// What a person is like: "X is very reliable", "why is X so impulsive".
constexpr std::string_view kCharacter[] = {
    "reliable", "impulsive", "kind",     "honest",    "friendly",  "rude",       "lazy",      "generous",
    "funny",    "smart",     "clever",   "shy",       "stubborn",  "brave",      "polite",    "quiet",
    "talented", "patient",   "ambitious", "selfish",  "loyal",     "caring",     "charming",  "arrogant",
    "humble",   "cheerful",  "grumpy",   "moody",     "helpful",   "trustworthy", "dependable", "hardworking",
    "intelligent", "annoying", "thoughtful", "careless", "nervous", "confident",  "jealous",   "impatient",
    "unreliable", "dishonest", "sensible", "sensitive", "mature",  "immature",   "reckless"};

bool Ctx::person_context(std::size_t i, std::size_t j) const {
  // "a song by X", "this song by ex-Zombie X" (a former member of a band)
  std::size_t p = i;
  if (p >= 3 && t[p - 1].hyphen_before && word_is(p - 2, "ex")) p -= 2;
  if (p >= 2 && word_is(p - 1, "by") && !t[p - 1].break_after && !t[p - 2].break_after && !t[p - 2].comma_after &&
      in(kWorks, f(p - 2)))
    return true;
  // "the X novel"
  if (i >= 1 && word_is(i - 1, "the") && adjacent(i - 1) && j + 1 < t.size() && adjacent(j) && !t[j + 1].cap &&
      in(kWorks, f(j + 1)))
    return true;
  // "X's address"
  if (j + 2 < t.size() && word_is(j + 1, "s") && t[j].e < text.size() &&
      (text[t[j].e] == '\'' || text.substr(t[j].e).starts_with("\xE2\x80\x99")) && !t[j + 1].break_after &&
      in(kBelongings, f(j + 2)))
    return true;
  // "X is very reliable", "why is X so impulsive"
  auto character = [this](std::size_t k) { return k < t.size() && !t[k].cap && in(kCharacter, f(k)); };
  auto degree = [this](std::size_t k) {
    return word_is(k, "very") || word_is(k, "so") || word_is(k, "always") || word_is(k, "really") ||
           word_is(k, "quite") || word_is(k, "extremely") || word_is(k, "too");
  };
  if (j + 3 < t.size() && !t[j].break_after && !t[j].comma_after && (word_is(j + 1, "is") || word_is(j + 1, "was")) &&
      !t[j + 1].break_after && !t[j + 2].break_after && (degree(j + 2) ? character(j + 3) : character(j + 2)))
    return true;
  if (i >= 1 && word_is(i - 1, "is") && !t[i - 1].break_after && j + 2 < t.size() && !t[j].break_after &&
      word_is(j + 1, "so") && character(j + 2))
    return true;
  return false;
}

bool Ctx::possessive_after(std::size_t i) const {
  std::size_t j = i;
  while (j + 1 < t.size() && j - i < 3 && adjacent(j) && t[j + 1].cap) ++j;
  if (j + 1 >= t.size() || t[j].break_after || t[j].comma_after) return false;
  const std::string_view next = f(j + 1);
  return next == "his" || next == "her" || next == "their" || next == "hers";
}

bool Ctx::addressed_or_speaking(std::size_t i, std::size_t j) const {
  if (t[i].b > 0 && text[t[i].b - 1] != '\n') return false;
  std::size_t k = t[j].e;
  if (k < text.size() && text[k] == ':') {
    ++k;
    while (k < text.size() && text[k] == ' ') ++k;
    if (k < text.size() && text[k] == '\\') ++k;
    return k < text.size() && (text[k] == '"' || text.substr(k).starts_with("\xE2\x80\x9C"));
  }
  if (!t[j].comma_after || j + 1 >= t.size()) return false;
  const std::string_view next = f(j + 1);
  for (std::string_view w : {"can", "could", "would", "will", "please", "i", "you", "we", "do", "did", "are", "have",
                             "thanks", "thank", "i'm", "i've", "how", "where", "when", "what", "why", "let's"})
    if (next == w) return true;
  return false;
}

bool Ctx::person_verb_after(std::size_t j) const {
  if (j + 1 >= t.size() || t[j].break_after || t[j].comma_after) return false;
  // "Morishita and Zeppelin wrote": the verb after a pair of names
  if (word_is(j + 1, "and") && j + 2 < t.size() && !t[j + 1].break_after && t[j + 2].cap) {
    std::size_t k = j + 2;
    while (k + 1 < t.size() && k - j < 5 && adjacent(k) && t[k + 1].cap) ++k;
    if (k + 1 < t.size() && !t[k].break_after && !t[k].comma_after && in(kPersonVerbs, f(k + 1))) return true;
  }
  const std::string_view next = f(j + 1);
  if (in(kPersonVerbs, next)) return true;
  if ((next == "is" || next == "was") && j + 2 < t.size() && !t[j + 1].break_after) {
    const std::string_view after = f(j + 2);
    return after == "from" || after == "born";
  }
  return false;
}

constexpr std::string_view kOrgVerbs[] = {"invested", "invests", "announced", "announces", "acquired", "acquires",
                                          "launched", "launches", "raised", "hired", "merged", "employs", "manufactures",
                                          "headquartered", "incorporated", "shipped", "reported", "filed", "ipo"};

constexpr std::string_view kPlaceLabels[] = {"where", "location", "city", "town", "place", "venue", "country",
                                             "hometown", "birthplace", "region", "village", "destination"};
constexpr std::string_view kPlaceVerbs[] = {"lives", "live", "living", "lived", "up", "born", "moved", "move", "moving",
                                            "here", "based", "located", "resides", "reside", "residing", "stay",
                                            "staying", "stayed", "arrived", "arrive", "arriving", "settled", "relocated",
                                            "travelled", "traveled", "flew", "drove", "headquartered", "i'm", "we're",
                                            "am", "street", "road", "avenue", "raised", "grew", "trip", "holiday",
                                            "vacation", "flight", "office", "offices", "branch"};

constexpr std::string_view kFromVerbs[] = {"is", "was", "are", "were", "comes", "come", "came", "hails", "hail"};

bool Ctx::place_cue_before(std::size_t i) const {
  if (i == 0) return false;
  // "Where: X" (the colon ends a sentence for the tokenizer)
  if (label_before(i, kPlaceLabels, "")) return true;
  if (t[i - 1].break_after || t[i - 1].comma_after) return false;
  // "home city X", "the town of X"
  // (in lower case: "Kansas City Royals" is a team)
  if (!t[i - 1].cap &&
      (word_is(i - 1, "city") || word_is(i - 1, "town") || word_is(i - 1, "village") || word_is(i - 1, "hometown")))
    return true;
  if (i >= 2 && word_is(i - 1, "of") && !t[i - 2].break_after && !t[i - 2].cap &&
      (word_is(i - 2, "city") || word_is(i - 2, "town") || word_is(i - 2, "village")))
    return true;
  if (!word_is(i - 1, "in") && !word_is(i - 1, "at") && !word_is(i - 1, "from") && !word_is(i - 1, "to") &&
      !word_is(i - 1, "near"))
    return false;
  if (i < 2 || t[i - 2].break_after || t[i - 2].comma_after) return false;
  if (word_is(i - 1, "to") && word_is(i - 2, "up")) return false;  // "up to MSEC", "up to PostgreSQL 9.1": a limit
  // "a year at Billguard in San Giovanni": where an organisation just found is
  if (word_is(i - 1, "in")) {
    for (std::size_t n = out.size(), seen = 0; n > 0 && seen < 4; --n, ++seen)
      if (out[n - 1].entity == "ORGANIZATION" && out[n - 1].score >= 0.5 && out[n - 1].end >= t[i - 2].e &&
          out[n - 1].end <= t[i - 2].e + 1)
        return true;
  }
  const std::string_view before = f(i - 2);
  // "she is from X", "comes from X": where someone or something is from
  if (word_is(i - 1, "from") && in(kFromVerbs, before)) return true;
  return in(kPlaceVerbs, before);
}

constexpr std::string_view kOrgNouns[] = {
    "company",    "firm",     "startup",     "start-up",   "nonprofit",   "non-profit",  "charity",
    "corporation", "business", "manufacturer", "bank",      "agency",      "retailer",
    "consultancy", "publisher", "conglomerate", "subsidiary", "organization", "organisation", "foundation",
    "brainchild", "provider",    "vendor",     "supplier",    "insurer",     "airline"};

bool Ctx::org_verb_after(std::size_t j) const {
  if (j + 1 >= t.size() || t[j].comma_after || t[j].break_after || t[j + 1].cap) return false;
  // (asked of capitalised common words: the first letter, then raw
  // comparisons, before any folding)
  if (!std::strchr("iwhalrmesf", text[t[j + 1].b])) return false;
  if ((word_is(j + 1, "is") || word_is(j + 1, "was") || word_is(j + 1, "has") || word_is(j + 1, "had")) &&
      j + 2 < t.size()) {
    // "X is a 501(c)(3)": the American tax status of non-profit organisations
    std::string_view rest = text.substr(t[j + 1].e, 12);
    if (rest.starts_with(" a 501(c)") || rest.starts_with(" a 501c")) return true;
    if (t[j + 1].break_after) return false;
    const std::string_view next = f(j + 2);
    if (next == "founded" || next == "headquartered" || next == "incorporated") return true;
    // "X is a company", "X is an insurance company", "X is the brainchild of"
    std::size_t k = j + 2;
    if ((next == "a" || next == "an" || next == "the") && adjacent(k) && k + 1 < t.size()) {
      ++k;
      for (int n = 0; n < 3 && k < t.size(); ++n, ++k) {
        if (in(kOrgNouns, f(k))) return true;
        if (!adjacent(k)) break;
      }
    }
    return false;
  }
  return word_in(j + 1, kOrgVerbs);
}

constexpr std::string_view kFunctionWords[] = {
    "the", "a", "an", "and", "or", "of", "in", "on", "at", "to", "for", "from", "by", "with", "dear", "hi", "hello",
    "hey", "thanks", "thank", "mr", "mrs", "ms", "dr", "prof", "sir", "madam", "i", "you", "he", "she", "we", "they",
    "my", "your", "his", "her", "our", "their", "is", "are", "was", "were", "be", "this", "that", "if", "when", "but",
    "so", "as", "not", "no", "yes", "ok", "please", "ask", "tell", "call", "meet", "met", "said", "says"};

bool Ctx::function_word(std::size_t i) const {
  if (t[i].e - t[i].b > 6) return false;
  return in(kFunctionWords, f(i));
}

std::pair<std::size_t, std::size_t> Ctx::coordinated_run(std::size_t z, bool right, bool& joined) const {
  joined = false;  // by "and", "or" or "&" (not by a comma alone)
  // The text between tokens a and a + 1 is a list separator.
  auto separator = [this](std::size_t a) {
    if (t[a].break_after) return false;
    std::string_view gap = text.substr(t[a].e, t[a + 1].b - t[a].e);
    return gap == ", " || gap == " " || gap == " & ";
  };
  auto conj = [this](std::size_t k) { return word_is(k, "and") || word_is(k, "or"); };
  auto item = [this](std::size_t k) { return t[k].cap && !code_like(k); };
  if (right) {
    if (z + 2 >= t.size() || !separator(z)) return {0, 0};
    std::size_t k = z + 1;
    const bool comma = t[z].comma_after, amp = text.substr(t[z].e, t[k].b - t[z].e) == " & ";
    if (conj(k)) {
      if (k + 1 >= t.size() || !separator(k) || t[k].comma_after) return {0, 0};
      ++k;
      joined = true;
    } else if (!comma && !amp) {
      return {0, 0};
    }
    joined = joined || amp;
    if (!item(k) || is_stop(k)) return {0, 0};
    std::size_t e = k;
    while (e + 1 < t.size() && e - k < 4 && adjacent(e) && !t[e].comma_after) {
      if (item(e + 1) && !conj(e + 1)) ++e;
      else if (word_is(e + 1, "of") && e + 2 < t.size() && adjacent(e + 1) && item(e + 2)) e += 2;
      else break;
    }
    return {k, e};
  }
  if (z < 2) return {0, 0};
  std::size_t k = z - 1;
  if (conj(k)) {
    if (!separator(k) || !separator(k - 1)) return {0, 0};
    --k;
    joined = true;
  } else if (!(separator(k) && (t[k].comma_after || text.substr(t[k].e, t[z].b - t[k].e) == " & "))) {
    return {0, 0};
  } else {
    joined = !t[k].comma_after;
  }
  if (!item(k)) return {0, 0};
  std::size_t b = k;
  while (b > 0 && k - b < 4 && adjacent(b - 1) && item(b - 1)) --b;
  while (b < k && is_stop(b)) ++b;  // "In Google, ...": the sentence's first word
  if (is_stop(b)) return {0, 0};
  return {b, k};
}

bool Ctx::claim_org(std::size_t first, std::size_t b, std::size_t e) {
  const std::size_t bb = t[b].b, ee = t[e].e + (t[e].dot_after && is_orgword(e) ? 1 : 0);
  std::vector<std::size_t> weak;
  for (std::size_t n = 0; n < out.size(); ++n) {
    const Finding& f = out[n];
    if (!(f.begin < ee && bb < f.end) || f.score < 0.5) continue;
    if (n < first || f.score > 0.6 || (f.entity != "PERSON" && f.entity != "LOCATION")) return false;
    weak.push_back(n);
  }
  for (std::size_t k = b; k <= e; ++k)
    if ((is_first(k) || is_sur(k)) && !weak.empty()) return false;
  for (auto it = weak.rbegin(); it != weak.rend(); ++it) out.erase(out.begin() + static_cast<std::ptrdiff_t>(*it));
  out.push_back(Finding{"ORGANIZATION", 0.55, bb, ee, 0, 0, "dictionary"});
  return true;
}

void Ctx::coordinated_orgs(std::size_t first) {
  std::vector<std::pair<std::size_t, std::size_t>> todo;  // token spans of organisations
  for (std::size_t n = first; n < out.size(); ++n) {
    const Finding& f = out[n];
    if (f.entity != "ORGANIZATION" || f.score < 0.5) continue;
    std::size_t a = token_at(f.begin), z = a;
    if (a >= t.size() || t[a].b != f.begin) continue;
    while (z + 1 < t.size() && t[z + 1].e <= f.end) ++z;
    if (a == z && (is_common(a) || t[a].allcap)) continue;  // "Shell", "IBM": a word or an acronym as often
    todo.emplace_back(a, z);
  }
  // Each seed's list, both ways; a list joined by commas alone is no list
  // ("SUSE Products GmbH, Nuernberg, Germany": an address follows a name).
  std::vector<std::pair<std::size_t, std::size_t>> items;
  for (std::size_t n = 0; n < todo.size() && n < 64; ++n) {
    items.clear();
    bool any_conj = false;
    for (bool right : {true, false}) {
      std::size_t z = right ? todo[n].second : todo[n].first;
      for (int hop = 0; hop < 12; ++hop) {
        bool joined = false;
        auto [b, e] = coordinated_run(z, right, joined);
        if (b == 0 && e == 0) break;
        any_conj = any_conj || joined;
        items.emplace_back(b, e);
        z = right ? e : b;
      }
    }
    if (!any_conj) continue;
    for (auto [b, e] : items)
      if (!(b == e && (is_common(b) || t[b].allcap)))  // "Shell and Utilities", "LLVM, GNU"
        claim_org(first, b, e);
  }
}

constexpr std::string_view kOrgPlurals[] = {
    "companies", "manufacturers", "firms",     "employers", "brands",      "sponsors",  "banks",     "clients",
    "customers", "vendors",       "suppliers", "competitors", "rivals",    "startups",  "businesses", "corporations",
    "retailers", "carmakers",     "automakers", "insurers", "airlines",    "publishers", "partners", "investors"};

void Ctx::listed_orgs(std::size_t first) {
  for (std::size_t colon = text.find(':'); colon != std::string_view::npos; colon = text.find(':', colon + 1)) {
    // The items: runs of words (capitalised unless the text has no capitals)
    // separated by ", ", " and ", ", and "; the list ends at the sentence's end.
    std::size_t k = token_at(colon);
    std::vector<std::pair<std::size_t, std::size_t>> items;
    while (k < t.size() && items.size() < 12) {
      if (!lower_mode && !t[k].cap) break;
      std::size_t e = k;
      while (e + 1 < t.size() && e - k < 5 && adjacent(e) && !word_is(e + 1, "and") &&
             (lower_mode || t[e + 1].cap || (word_is(e + 1, "of") && e + 2 < t.size() && t[e + 2].cap)))
        ++e;
      items.emplace_back(k, e);
      if (t[e].break_after || e + 1 >= t.size()) break;
      std::size_t n = e + 1;
      if (word_is(n, "and")) {
        if (t[n].break_after) break;
        ++n;
      } else if (!t[e].comma_after) {
        break;
      }
      k = n;
    }
    if (items.size() < 2) continue;
    // The sentence before the colon names businesses.
    std::size_t from = colon > 300 ? colon - 300 : 0;
    std::size_t s = text.find_last_of(".!?\n", colon);
    if (s != std::string_view::npos && s >= from) from = s + 1;
    const std::size_t a = token_at(from);
    bool cue = false;
    for (std::size_t n = a; n < t.size() && t[n].e <= colon && !cue; ++n)
      cue = t[n].e - t[n].b >= 5 && lower(text[t[n].e - 1]) == 's' && in(kOrgPlurals, f(n));
    if (!cue) continue;
    for (auto [b, e] : items) claim_org(first, b, e);
  }
}

bool Ctx::particle(std::size_t i) const {
  return word_in(i, kParticles);
}

}  // namespace

std::span<const std::string_view> entities() { return kEntities; }

namespace {
void find_entities(std::string_view text, const Wanted& want, bool want_p, bool want_l, bool want_o,
                   std::vector<Finding>& out);
}  // namespace

void find(std::string_view text, const Wanted& want, std::vector<Finding>& out) {
  // Titles and signature-block organisations are found next to names: names
  // are looked for when any of them is wanted.
  const bool want_p = want.person || want.title || want.org, want_l = want.location, want_o = want.org;
  const std::size_t first_new = out.size();
  find_entities(text, want, want_p, want_l, want_o, out);
  if (want.title || want.org) {
    std::vector<Span> persons;
    for (std::size_t k = first_new; k < out.size(); ++k)
      if (out[k].entity == "PERSON") persons.push_back({out[k].begin, out[k].end});
    const std::size_t before_titles = out.size();
    find_titles(text, persons, out);
    if (want.org) {
      std::vector<Span> lines;  // names at the default threshold and up, and titles
      for (std::size_t k = first_new; k < before_titles; ++k)
        if (out[k].entity == "PERSON" && out[k].score >= 0.5) lines.push_back({out[k].begin, out[k].end});
      for (std::size_t k = before_titles; k < out.size(); ++k) lines.push_back({out[k].begin, out[k].end});
      find_signature_orgs(text, lines, out);
      find_letterhead_orgs(text, out);
    }
    if (!want.title)
      out.erase(std::remove_if(out.begin() + static_cast<std::ptrdiff_t>(first_new), out.end(),
                               [](const Finding& f) { return f.entity == "TITLE"; }),
                out.end());
  }
  if (!want.person)
    out.erase(std::remove_if(out.begin() + static_cast<std::ptrdiff_t>(first_new), out.end(),
                             [](const Finding& f) { return f.entity == "PERSON"; }),
              out.end());
}

namespace {
void find_entities(std::string_view text, const Wanted& want, bool want_p, bool want_l, bool want_o,
                   std::vector<Finding>& out) {
  const auto& d = dictionaries();
  const std::size_t first_new = out.size();
  bool lower_mode = false;
  // Kept per thread between calls (their capacity, not their content).
  static thread_local std::vector<Tok> tokens;
  static thread_local std::string arena;
  auto& t = tokens;
  tokenize(text, lower_mode, t);
  arena.clear();
  arena.reserve(text.size() + 16);  // folding never lengthens: views into it stay valid
  Ctx c{text, d, t, arena, lower_mode, want_p, want_l, want_o, out};
  std::size_t i = 0;
  while (i < t.size()) {
    const Tok& tk = t[i];
    if ((!lower_mode && !tk.cap) || c.code_like(i)) {
      ++i;
      continue;
    }
    // A month or a weekday before a number is a date ("June 2023", "Mon, 14 Aug").
    if (c.date_word_before_number(i)) {
      ++i;
      continue;
    }
    // 1. Title + name.
    // In capitals ("MS Windows", "MS-DOS") only before a name in capitals ("MR JOHN SMITH").
    if (tk.e - tk.b <= 5 && in(kTitles, c.f(i)) && i + 1 < t.size() && c.adjacent(i) && (c.name_like(i + 1) || lower_mode) &&
        (tk.e >= text.size() || text[tk.e] != '-') && (!tk.allcap || t[i + 1].allcap)) {
      std::size_t j = i + 1;
      while (j + 1 < t.size() && j - i < 3 && c.adjacent(j) && (c.name_like(j + 1) || c.particle(j + 1))) ++j;
      if (want.prefix && !tk.allcap)  // the honorific with its period ("Mrs."); not "MS Windows"
        out.push_back(Finding{"PREFIX", 0.85, tk.b, tk.e + (tk.dot_after ? 1 : 0), 0, 0, "dictionary"});
      if (want_p) c.emit("PERSON", i + 1, j, 0.85);
      i = j + 1;
      continue;
    }
    // Fast path: a stop word that starts no dictionary phrase ("The", "Contact", ...).
    if ((c.flags(i) & (Dictionaries::Stop | Dictionaries::LocFirst | Dictionaries::OrgFirst | Dictionaries::First)) ==
        Dictionaries::Stop) {
      ++i;
      continue;
    }
    // 1b. An employer or a business named by the words before it ("two years
    // at New Media Parents", "works for The Schork Report", "the address of
    // SAP"): the capitalised run, whatever its words, unless it is a person's
    // first name and surname ("worked for Anna Berg").
    if (!lower_mode && c.cue_word_before(i) &&
        (c.employer_cue_before(i) || c.address_of_before(i) || c.renamed_cue_before(i)) &&
        !(c.is_first(i) && !c.is_amb(i) && i + 1 < t.size() && c.adjacent(i) && c.is_sur(i + 1))) {
      std::size_t j = c.capitalised_run(i);
      if (j > i || !(c.is_stop(i) || c.is_common(i))) {  // one ordinary word is no name ("President of Vice")
        if (want_o) c.emit("ORGANIZATION", i, j, c.is_orgword(j) ? 0.75 : 0.6);
        i = j + 1;
        continue;
      }
    }
    // 2. Organisations: dictionary, or capitalised run ending in an organisation word.
    if (int n = c.phrase(d.orgs, d.org_first, d.max_org_tokens, i);
        n > 0 && (tk.cap || lower_mode) && !(c.flags(i) & Dictionaries::Ambiguous)) {
      // A one-word name that is also a common word ("Target", "Shell",
      // "Universal") counts capitalised inside a sentence ("works at Target");
      // at a sentence start, in capitals ("SHELL") or after "a" ("a Meta
      // processor") it needs an organisation cue. ("Google Maps", "Universal
      // Ctags" count: products of the name.)
      double score = 0.75;
      const bool article = i > 0 && !t[i - 1].break_after && (c.word_is(i - 1, "a") || c.word_is(i - 1, "an"));
      // Nor before a version or a hyphen ("Meta 2.1", "Meta- prefixes"), or a
      // capitalised word that makes it a product's name ("Universal Ctags").
      const std::size_t e = tk.e;
      const bool version = e + 2 < text.size() && text[e] == ' ' && is_digit(static_cast<unsigned char>(text[e + 1])) &&
                           text.substr(e + 1, 6).find('.') != std::string_view::npos;
      const std::size_t run = c.capitalised_run(i);  // "Amazon Web Services" ends in an organisation word
      const bool product = run > i && !c.is_orgword(run);
      if (n == 1 && c.is_common(i) &&
          (tk.sent_start || tk.allcap || article || version || (e < text.size() && text[e] == '-') || product))
        score = c.org_cue_before(i) ? 0.6 : 0.4;
      if (want_o) c.emit("ORGANIZATION", i, i + static_cast<std::size_t>(n) - 1, score);
      i += static_cast<std::size_t>(n);
      continue;
    }
    if (!lower_mode && !c.is_stop(i) && !c.is_orgword(i)) {
      std::size_t j = i;
      while (j + 1 < t.size() && j - i < 5 && c.adjacent(j) &&
             ((t[j + 1].cap && (!c.is_stop(j + 1) || c.is_orgword(j + 1))) || c.word_is(j + 1, "and") ||
              c.word_is(j + 1, "of")) &&
             !c.is_orgword(j))
        ++j;
      if (j > i && c.is_orgword(j) && t[j].cap) {
        // "Free Software Foundation", "Internet Systems Consortium": org words run on
        while (j + 1 < t.size() && j - i < 6 && c.adjacent(j) && t[j + 1].cap && c.is_orgword(j + 1)) ++j;
        // Nothing but common words before the organisation word is a phrase,
        // not a name, when written in capitals ("USE OF THIS SOFTWARE", licence
        // disclaimers) or when the word is "Software" ("Covered Software", the
        // licensed work of licence prose); "State Farm Insurance" stays.
        bool named = false, caps = true;
        for (std::size_t k = i; k < j && !named; ++k) {
          named = (!c.is_common(k) || c.is_sur(k) || c.is_first(k)) && !c.word_is(k, "and") && !c.word_is(k, "of");
          caps = caps && t[k].allcap;
        }
        const bool phrase = !named && (caps || c.word_is(j, "software"));
        // Common words only, in title case ("Network Endpoint Group", "Backup
        // Plan Association"): as often a term of technical prose as a name;
        // a cue decides (a legal form, "Canonical Ltd", or a copyright
        // holder's place, "1991-1998 The Open Group", among them), or a list
        // or a signature line later.
        const bool cue = c.org_cue_before(i) || c.place_cue_before(i) || c.org_verb_after(j) || c.org_noun_after(j) ||
                         c.legal_form(j) || c.holder_before(i);
        const double score = named ? 0.8 : cue ? 0.6 : phrase ? 0.4 : 0.45;
        if (want_o) c.emit("ORGANIZATION", i, j, score);
        i = j + 1;
        continue;
      }
    }
    // A multi-word place ("Puerto Rico", "San Marino") wins over a first name.
    if (int n = c.phrase(d.locations, d.location_first, d.max_location_tokens, i); n > 1) {
      if (want_l) c.emit("LOCATION", i, i + static_cast<std::size_t>(n) - 1, 0.8);
      i += static_cast<std::size_t>(n);
      continue;
    }
    // "Long-name", "Power-saving"; a first name too before an adjective
    // ("Pascal-style", "Ada-compatible"), not before a name ("Mary-Ann")
    if (c.compound(i) && (!c.is_first(i) || c.suffix_adjective(i))) {
      ++i;
      continue;
    }
    // 3. Person starting with a first name.
    // A first name that is also a word ("Grant", "Pascal") followed by a
    // capitalised common word is a heading or a product ("Grant Scope",
    // "Pascal Compiler"); "Stephanie Talon" is a name.
    const bool amb_first = c.is_amb(i);
    bool first = c.is_first(i) && (!amb_first || (tk.cap && !tk.sent_start) || c.name_evidence(i));
    if (first && !(lower_mode && c.is_stop(i))) {
      std::size_t j = i;
      while (j + 1 < t.size() && j - i < 3 && c.adjacent(j)) {
        std::size_t n = j + 1;
        bool ok = lower_mode ? (c.is_sur(n) || (c.is_first(n) && !c.is_stop(n)))
                             : (t[n].cap && !c.is_stop(n) && !c.is_orgword(n) && !(amb_first && c.title_word(n)) &&
                                !(c.is_common(n) && c.product_noun(n)));
        if (!ok && c.particle(n) && n + 1 < t.size() && c.adjacent(n) && c.name_like(n + 1)) {
          ++j;  // particle, the name follows
          continue;
        }
        if (!ok) break;
        j = n;
      }
      // A location phrase right after a lone first name ("Paris Hilton" aside) stays a location.
      if (j == i && c.phrase(d.locations, d.location_first, d.max_location_tokens, i) > 0 && (tk.sent_start || c.is_amb(i))) {
        // fall through to the location rule
      } else {
        if (want_p && !c.lone_allcap(i, j))
          c.emit("PERSON", i, j,
                 j > i                    ? 0.85
                 : c.person_context(i, j) ? 0.7
                 // software named after someone: "Pascal Compiler", "Andrew Toolkit"
                 : !lower_mode && j + 1 < t.size() && c.adjacent(j) && c.product_noun(j + 1) ? 0.3
                 // a heading or a product: "License Grant", "Free Pascal", "Turbo Pascal"
                 // (a surname too is a name after a first name that is also a word: "Matt Barry")
                 : !lower_mode && (amb_first ? c.title_case_run(i, j)
                                             : i > 0 && c.adjacent(i - 1) && c.title_word_before(i) &&
                                                   !t[i - 1].allcap && !c.name_head(i - 1) && !c.is_sur(i))
                     ? 0.4
                     : 0.65);
        i = j + 1;
        continue;
      }
    }
    // 4. Locations from the dictionary.
    if (int n = c.phrase(d.locations, d.location_first, d.max_location_tokens, i); n > 0) {
      // Only the hand list's ambiguity counts here: generated places leave
      // common words out already, and "Chile", "Japan", "China" are places first.
      bool ok = !(c.flags(i) & Dictionaries::Ambiguous) || (tk.cap && !tk.sent_start) || tk.allcap;
      // In capitals, a place of three letters or fewer ("URI", "NIS") is an
      // acronym far more often; the country abbreviations are the exception.
      if (n == 1 && tk.allcap && tk.e - tk.b <= 3 && !c.word_is(i, "usa") && !c.word_is(i, "uk") &&
          !c.word_is(i, "uae"))
        ok = false;
      // A place that is also a common word among title-case words is a
      // heading or a term ("the International Sale of Goods").
      if (n == 1 && c.is_common(i) && !tk.allcap && c.title_case_run(i, i) && !c.place_cue_before(i)) ok = false;
      if (ok) {
        if (want_l) c.emit("LOCATION", i, i + static_cast<std::size_t>(n) - 1, tk.cap || lower_mode ? 0.8 : 0.6);
        i += static_cast<std::size_t>(n);
        continue;
      }
    }
    // 5. Surnames.
    if (c.is_sur(i) && !c.is_stop(i) && (tk.cap || lower_mode) && (!c.is_amb(i) || (!tk.sent_start && tk.cap))) {
      std::size_t j = i;
      while (j + 1 < t.size() && j - i < 2 && c.adjacent(j) &&
             (lower_mode ? c.is_sur(j + 1) : c.name_like(j + 1) && !c.title_word(j + 1)))
        ++j;
      if (want_p && !c.lone_allcap(i, j))
        c.emit("PERSON", i, j,
               c.person_context(i, j) ? 0.7
               : c.eponym_after(j)    ? 0.3  // "Huffman coding", "Gauss distribution": a thing named after someone
               : lower_mode           ? (j > i ? 0.45 : 0.3)
               : j == i && t[i].e - t[i].b == 2 ? 0.4  // "Gu", "Ki" alone: a unit or a code as often
               : c.title_case_run(i, j) ? 0.4
                                        : 0.55);
      i = j + 1;
      continue;
    }
    // 5b. A place name after an address: "..., 14, Odense" / a line of its own below a street line.
    if ((tk.cap || lower_mode) && !c.is_stop(i) && tk.e - tk.b >= 3 && !c.camel(i) && c.after_address(i)) {
      std::size_t j = i;
      while (j + 1 < t.size() && j - i < 3 && c.adjacent(j) && (t[j + 1].cap || lower_mode) && !c.is_stop(j + 1)) ++j;
      // Common words ("License", "Copyright" below a dated line) only as a
      // line of their own right below a street or unit line ("ANGERED",
      // "Pines Beach" below "Apt. 306").
      if (c.all_common(i, j) && !(c.whole_line(i, j) && c.unit_line_above(i))) {
        i = j + 1;
        continue;
      }
      if (want_l) c.emit("LOCATION", i, j, 0.5);
      i = j + 1;
      continue;
    }
    // 6a. Lower-case text: an unknown word that is no English word right
    // after "my name is", "call me", "says" ...
    if (lower_mode && !c.is_stop(i) && !c.is_common(i) && !c.is_first(i) && !c.is_sur(i) && tk.e - tk.b >= 3) {
      if (c.person_cue_before(i) || c.person_context(i, i)) {
        if (want_p) c.emit("PERSON", i, i, 0.55);
        ++i;
        continue;
      }
      if (c.place_cue_before(i)) {
        std::size_t j = i;
        while (j + 1 < t.size() && j - i < 3 && c.adjacent(j) && !c.is_stop(j + 1) && !c.is_common(j + 1)) ++j;
        if (want_l) c.emit("LOCATION", i, j, 0.55);
        i = j + 1;
        continue;
      }
    }
    // Lower-case text: an employer after "two years at", "works for" (the
    // words up to a stop word: "state farm insurance").
    if (lower_mode && !c.is_stop(i) && tk.e - tk.b >= 3 && c.employer_cue_before(i)) {
      std::size_t j = i;
      while (j + 1 < t.size() && j - i < 3 && c.adjacent(j) && !c.is_stop(j + 1)) ++j;
      if (want_o) c.emit("ORGANIZATION", i, j, 0.55);
      i = j + 1;
      continue;
    }
    // Lower-case text: the words between "the" and "office" ("the datamyne
    // office is at"), or opening a sentence or clause before a company's
    // doings ("recargo is the brainchild of", "firstpoint inc is a 501(c)3").
    if (lower_mode && !c.is_stop(i) && tk.e - tk.b >= 3 &&
        (tk.sent_start || (i > 0 && (t[i - 1].comma_after || c.word_is(i - 1, "the"))))) {
      std::size_t j = i;
      while (j + 1 < t.size() && j - i < 4 && c.adjacent(j) && (!c.is_stop(j + 1) || c.is_orgword(j + 1))) ++j;
      const bool office = i > 0 && c.word_is(i - 1, "the") && j + 1 < t.size() && c.adjacent(j) &&
                          (c.word_is(j + 1, "office") || c.word_is(j + 1, "headquarters"));
      const bool doings = !office && (j > i || !c.is_common(i)) && c.org_verb_after(j);
      if ((office && !c.all_common(i, j)) || doings) {
        if (want_o) c.emit("ORGANIZATION", i, j, 0.55);
        i = j + 1;
        continue;
      }
    }
    // 6. Unknown capitalised words: decide by the previous word.
    if (!lower_mode && tk.cap && tk.hyphen_before && i > 0 && c.word_is(i - 1, "ex")) {
      ++i;  // "ex-Beatle": a former member, not a name
      continue;
    }
    if (!lower_mode && tk.cap && !c.is_stop(i) && tk.e - tk.b >= 3 &&
        (!c.camel(i) || c.venue_with_address(i, i))) {  // "meet at MysticWeb, 24 Kuefsteinstrasse"
      std::string_view prev = i > 0 ? c.f(i - 1) : std::string_view();
      bool prev_adjacent = i > 0 && !t[i - 1].break_after;
      std::size_t j = i;
      while (j + 1 < t.size() && j - i < 3 && c.adjacent(j) && c.name_like(j + 1)) ++j;
      const bool org_next = c.org_noun_after(j);
      // A capitalised common word ("Covered", "License", "Store") is no
      // evidence of a name; a hyphenated run ("Saint-Priest") or one before
      // "office" ("The Social Explorer office") is, and so is a title-case
      // run the words around call a business or a place ("a year at College
      // Board", "Lending Club invested", "she is from Solar Census"), or a
      // lone one inside a sentence that ends the clause ("is from Yahoo.").
      if (c.is_common(i) && !org_next && !(j > i && t[i + 1].hyphen_before) &&
          !(c.org_verb_after(j) && (j > i || !c.determiner_before(i))) && !c.person_context(i, j) &&
          !(!tk.allcap && (j > i || (!tk.sent_start && c.clause_ends_after(j))) && c.place_cue_before(i))) {
        ++i;
        continue;
      }
      // No English word, spelt with accented Latin letters ("Szôllôs",
      // "Åström", "Ćaćić"): in English text a name or a place far more often
      // than a term of the trade.
      const bool foreign = !tk.allcap && c.latin_accents(i, j);
      if (org_next) {
        if (want_o) c.emit("ORGANIZATION", i, j, 0.5);
      } else if (c.place_cue_before(i)) {
        if (want_l) c.emit("LOCATION", i, j, 0.6);
      } else if (!tk.allcap && (c.employer_cue_before(i) || c.venue_with_address(i, j) || c.address_of_before(i))) {
        if (want_o) c.emit("ORGANIZATION", i, j, 0.6);
      } else if (c.org_verb_after(j)) {
        // "Bekins invested heavily", "Osisoft announced": business news.
        if (want_o) c.emit("ORGANIZATION", i, j, 0.6);
      } else if (!tk.allcap && (c.person_cue_before(i) || c.person_verb_after(j) || c.in_name_list(i, j) ||
                                c.addressed_or_speaking(i, j) || c.person_context(i, j))) {
        // A capitalised word that is no English word (wamerican), where the
        // words around it say a person is meant.
        if (want_p) c.emit("PERSON", i, j, c.person_cue_before(i) || c.person_context(i, j) ? 0.7 : 0.6);
      } else if (prev_adjacent && in(kPlacePreps, prev)) {
        if (want_l) c.emit("LOCATION", i, j, foreign ? 0.5 : 0.45);
      } else if (tk.sent_start && j == i) {
        // A capitalised word at a sentence start tells us nothing, unless it
        // is spelt with the letters of another language ("Þórbergur just has").
        if (foreign) c.emit_foreign(i, j);
      } else if (prev_adjacent && in(kPersonCues, prev)) {
        if (want_p) c.emit("PERSON", i, j, foreign ? 0.5 : 0.45);
      } else if (tk.allcap && j == i && tk.e - tk.b <= 4) {
        // acronyms
      } else if (tk.allcap) {
        if (want_l) c.emit("LOCATION", i, j, 0.35);
      } else {
        // Two or more capitalised words that are no English words, one of
        // them a known first name or surname ("Kellie Bruce", "Sheri
        // Virrankoski" with "Sheri" unknown but not "Virrankoski" ...).
        bool known = false, words = false;
        for (std::size_t k = i; k <= j; ++k) {
          known = known || c.is_first(k) || c.is_sur(k);
          words = words || c.is_common(k) || t[k].allcap;
        }
        if (j > i && known && !words) {
          if (want_p) c.emit("PERSON", i, j, 0.6);
        } else if (foreign && !words) {
          c.emit_foreign(i, j);
        } else if (want_p) {
          c.emit("PERSON", i, j, 0.35);
        }
      }
      i = j + 1;
      continue;
    }
    ++i;
  }
  if (want_o) {
    c.listed_orgs(first_new);
    if (!lower_mode) c.coordinated_orgs(first_new);
  }
}

}  // namespace

}  // namespace vault::pii::ner
