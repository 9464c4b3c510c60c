// Scanner: one Vectorscan block-mode database for all patterns, candidate
// post-checks (boundaries, validators, entropy, keywords), context boosts
// and deterministic overlap resolution.
#include "vault/pii/detection/scanner.hpp"

#include "compiled_db_cache.hpp"
#include "ner.hpp"
#include "scanner_impl.hpp"
#include "text_util.hpp"

#include <hs/hs.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <algorithm>
#include <array>
#include <atomic>
#include <map>
#include <set>
#include <tuple>

namespace vault::pii {

using namespace util;

namespace {


bool boundary_ok(Boundary b, unsigned char outside, unsigned char inside, unsigned char beyond = 0) {
  switch (b) {
    case Boundary::None: return true;
    case Boundary::Word: return !is_word(inside) || !is_word(outside);
    case Boundary::Alnum: return !is_alnum(outside);
    case Boundary::Digit: return !is_digit(outside);
    case Boundary::Dotted:
      return !is_alnum(outside) && !((outside == '.' || outside == ':') && is_alnum(beyond));
    case Boundary::Token:
      return is_space(outside) || std::string_view(",;:()[]{}\"'<>").find(static_cast<char>(outside)) != std::string_view::npos;
  }
  return true;
}

int on_match(unsigned int id, unsigned long long from, unsigned long long to, unsigned int, void* ctx) {
  auto* c = static_cast<Scanner::Impl::MatchContext*>(ctx);
  if (!c->active->all) {
    bool any = false;
    for (const auto& t : c->impl->targets_of(id)) any = any || c->active->rec[t.rec];
    if (!any) return 0;
  }
  c->raw.push_back({id, static_cast<std::size_t>(from) + c->offset, static_cast<std::size_t>(to) + c->offset});
  return 0;
}

/// hs_scan over [b, e) of text, in chunks below 4 GiB (hs_scan takes an unsigned length).
void scan_range(const hs_database_t* db, std::string_view text, std::size_t b, std::size_t e, hs_scratch_t* scr,
                Scanner::Impl::MatchContext& ctx) {
  constexpr std::size_t kChunk = std::size_t{1} << 30, kOverlap = 4096;
  while (b < e) {
    std::size_t len = std::min(kChunk, e - b);
    ctx.offset = b;
    hs_scan(db, text.data() + b, static_cast<unsigned>(len), 0, scr, on_match, &ctx);
    if (b + len >= e) break;
    b += len - kOverlap;
  }
}

}  // namespace

Scanner::Impl::~Impl() {
  if (main.db) hs_free_database(main.db);
  if (digit.db) hs_free_database(digit.db);
}

namespace {

struct Entry {
  std::string regex;
  unsigned flags;
  std::vector<Scanner::Impl::Target> targets;
};

std::string pattern_name(const std::vector<RecognizerSpec>& recs, const Scanner::Impl::Target& t) {
  return recs[t.rec].patterns[t.pat].name;
}

/// Compiles `entries` into `out`, dropping (and reporting) patterns
/// Vectorscan rejects. With a `cache_dir`, a database compiled before from
/// the same expressions is loaded from there instead, and a fresh one is
/// filed there (compiled_db_cache.hpp).
Status compile_db(std::vector<Entry> entries, unsigned id_base, const std::vector<RecognizerSpec>& recs,
                  Scanner::Impl::Db& out, std::vector<SkippedRule>& skipped, const std::string& cache_dir) {
  out.id_base = id_base;
  while (!entries.empty()) {
    std::vector<const char*> exprs;
    std::vector<unsigned> flags, ids;
    for (std::size_t i = 0; i < entries.size(); ++i) {
      exprs.push_back(entries[i].regex.c_str());
      flags.push_back(entries[i].flags);
      ids.push_back(id_base + static_cast<unsigned>(i));
    }
    const std::string key = cache_dir.empty() ? std::string() : detail::compiled_db_key(exprs, flags, ids, HS_MODE_BLOCK);
    if (hs_database_t* cached = detail::load_compiled_db(cache_dir, key)) {
      out.db = cached;
      for (auto& e : entries) out.targets.push_back(std::move(e.targets));
      return {};
    }
    hs_compile_error_t* err = nullptr;
    hs_database_t* db = nullptr;
    if (hs_compile_multi(exprs.data(), flags.data(), ids.data(), static_cast<unsigned>(entries.size()), HS_MODE_BLOCK,
                         nullptr, &db, &err) == HS_SUCCESS) {
      detail::store_compiled_db(cache_dir, key, db);
      out.db = db;
      for (auto& e : entries) out.targets.push_back(std::move(e.targets));
      return {};
    }
    int bad = err ? err->expression : -1;
    std::string msg = err && err->message ? err->message : "compile error";
    if (err) hs_free_compile_error(err);
    if (bad >= 0 && static_cast<std::size_t>(bad) < entries.size()) {
      for (const auto& t : entries[static_cast<std::size_t>(bad)].targets)
        skipped.push_back({pattern_name(recs, t), "vectorscan: " + msg});
      entries.erase(entries.begin() + bad);
      continue;
    }
    // A failure not tied to one expression: test the patterns one by one.
    std::vector<Entry> ok;
    for (auto& e : entries) {
      hs_database_t* single = nullptr;
      hs_compile_error_t* err1 = nullptr;
      if (hs_compile(e.regex.c_str(), e.flags, HS_MODE_BLOCK, nullptr, &single, &err1) == HS_SUCCESS) {
        hs_free_database(single);
        ok.push_back(std::move(e));
      } else {
        for (const auto& t : e.targets)
          skipped.push_back({pattern_name(recs, t),
                             std::string("vectorscan: ") + (err1 && err1->message ? err1->message : "compile error")});
      }
      if (err1) hs_free_compile_error(err1);
    }
    if (ok.size() == entries.size()) return fail(ErrorKind::Configuration, "vectorscan could not compile the pattern set");
    entries = std::move(ok);
  }
  return {};
}

// --- word-boundary pre-filtering -------------------------------------------
// Vectorscan reports every end offset of every match; for digit patterns
// inside long digit runs that is many useless matches. When a pattern must
// start (end) with a word character and its boundary is Word/Alnum, a \b
// assertion is added at that side so the engine drops those matches early.
// The exact boundary rule is still applied as a post-check.

bool has_top_level_alternation(std::string_view re) {
  int depth = 0;
  bool cls = false;
  for (std::size_t i = 0; i < re.size(); ++i) {
    char c = re[i];
    if (c == '\\') {
      ++i;
      continue;
    }
    if (cls) {
      if (c == ']') cls = false;
      continue;
    }
    if (c == '[') cls = true;
    else if (c == '(') ++depth;
    else if (c == ')') --depth;
    else if (c == '|' && depth == 0) return true;
  }
  return false;
}

/// Is [lo, hi) a character class of ASCII letters/digits only, e.g. "[A-HJ-N0-9]"?
bool word_class(std::string_view cls) {
  if (cls.size() < 3 || cls.front() != '[' || cls.back() != ']' || cls[1] == '^') return false;
  for (std::size_t i = 1; i + 1 < cls.size(); ++i) {
    char c = cls[i];
    if (c == '-' && i > 1 && i + 2 < cls.size()) continue;
    if (!is_alnum(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

bool starts_with_word_char(std::string_view re) {
  if (re.empty() || has_top_level_alternation(re)) return false;
  std::size_t atom_end;  // one past the first atom
  if (re.starts_with("\\d")) {
    atom_end = 2;
  } else if (re[0] == '[') {
    auto end = re.find(']', 1);
    if (end == std::string_view::npos || !word_class(re.substr(0, end + 1))) return false;
    atom_end = end + 1;
  } else if (is_alnum(static_cast<unsigned char>(re[0]))) {
    atom_end = 1;
  } else {
    return false;
  }
  // an optional first atom (?, *, {0,...}) says nothing about the first character
  auto rest = re.substr(atom_end);
  return !(rest.starts_with("?") || rest.starts_with("*") || rest.starts_with("{0"));
}

bool ends_with_word_char(std::string_view re) {
  if (re.empty() || has_top_level_alternation(re)) return false;
  // strip one quantifier {n}, {n,m}, + (not ?, *, {0,...})
  if (re.back() == '+') re.remove_suffix(1);
  else if (re.back() == '}') {
    auto open = re.rfind('{');
    if (open == std::string_view::npos || open + 1 >= re.size() || re[open + 1] == '0' || re[open + 1] == ',')
      return false;
    re = re.substr(0, open);
  } else if (re.back() == '?' || re.back() == '*' || re.back() == ')') {
    return false;
  }
  if (re.ends_with("\\d") && !re.ends_with("\\\\d")) return true;
  if (!re.empty() && re.back() == ']') {
    auto open = re.rfind('[');
    return open != std::string_view::npos && word_class(re.substr(open));
  }
  return !re.empty() && is_alnum(static_cast<unsigned char>(re.back())) &&
         (re.size() < 2 || re[re.size() - 2] != '\\');
}

std::string compiled_regex(const PatternSpec& p) {
  bool l = (p.left == Boundary::Word || p.left == Boundary::Alnum) && starts_with_word_char(p.regex);
  bool r = (p.right == Boundary::Word || p.right == Boundary::Alnum) && ends_with_word_char(p.regex);
  if (!l && !r) return p.regex;
  return std::string(l ? "\\b" : "") + "(?:" + p.regex + ")" + (r ? "\\b" : "");
}

std::atomic<std::uint64_t> next_uid{1};

/// Per-thread scratch cache: a few (scanner uid -> scratch) slots.
struct ScratchCache {
  struct Slot {
    std::uint64_t uid = 0;
    hs_scratch_t* scratch = nullptr;
  };
  std::array<Slot, 8> slots{};
  std::size_t next = 0;
  ~ScratchCache() {
    for (auto& s : slots)
      if (s.scratch) hs_free_scratch(s.scratch);
  }
};
thread_local ScratchCache tls_cache;

}  // namespace

Status Scanner::Impl::compile(const Catalogue& catalogue, const std::string& cache_dir) {
  uid = next_uid.fetch_add(1);
  recs = catalogue.recognizers();
  ner_enabled = catalogue.dictionary_entities();
  entity_list = catalogue.entities();
  for (const auto& r : recs) has_generic_secret = has_generic_secret || r.entity == "GENERIC_SECRET";
  validators.assign(recs.size(), nullptr);
  for (std::size_t r = 0; r < recs.size(); ++r) {
    if (recs[r].validator.empty()) continue;
    if (auto v = find_validator(recs[r].validator)) validators[r] = *v;
    else skipped.push_back({recs[r].name, "unknown validator " + recs[r].validator});
  }
  std::vector<Entry> main_entries, digit_entries;
  std::map<std::tuple<std::string, unsigned, bool>, std::pair<bool, std::size_t>> seen;
  std::size_t npatterns = 0;
  for (std::size_t r = 0; r < recs.size(); ++r)
    for (std::size_t p = 0; p < recs[r].patterns.size(); ++p, ++npatterns) {
      const auto& ps = recs[r].patterns[p];
      unsigned flags = HS_FLAG_SOM_LEFTMOST | (ps.caseless ? HS_FLAG_CASELESS : 0u);
      // Patterns with Word/Alnum boundaries get \b pre-filters (see compiled_regex).
      std::string re = compiled_regex(ps);
      auto key = std::make_tuple(re, flags, ps.digit_anchored);
      auto& list = ps.digit_anchored ? digit_entries : main_entries;
      auto [it, fresh] = seen.emplace(key, std::make_pair(ps.digit_anchored, list.size()));
      if (fresh) list.push_back({re, flags, {}});
      list[it->second.second].targets.push_back({r, p});
    }
  if (npatterns == 0) return {};
  if (auto st = compile_db(std::move(main_entries), 0, recs, main, skipped, cache_dir); !st) return st;
  if (auto st = compile_db(std::move(digit_entries), 1u << 24, recs, digit, skipped, cache_dir); !st) return st;
  if (!main.db && !digit.db) return fail(ErrorKind::Configuration, "no recognizer pattern could be compiled");
  hs_scratch_t* s = nullptr;
  bool ok = (!main.db || hs_alloc_scratch(main.db, &s) == HS_SUCCESS) &&
            (!digit.db || hs_alloc_scratch(digit.db, &s) == HS_SUCCESS);
  if (s) hs_free_scratch(s);
  if (!ok) return fail(ErrorKind::InternalServer, "vectorscan scratch allocation failed");
  return {};
}

hs_scratch_t* Scanner::Impl::scratch() const {
  if (!main.db && !digit.db) return nullptr;
  auto& c = tls_cache;
  for (auto& s : c.slots)
    if (s.uid == uid) return s.scratch;
  auto& slot = c.slots[c.next++ % c.slots.size()];
  if (slot.scratch) hs_free_scratch(slot.scratch);
  slot = {};
  hs_scratch_t* s = nullptr;
  if ((main.db && hs_alloc_scratch(main.db, &s) != HS_SUCCESS) ||
      (digit.db && hs_alloc_scratch(digit.db, &s) != HS_SUCCESS)) {
    if (s) hs_free_scratch(s);
    throw VaultException(Error(ErrorKind::InternalServer, "vectorscan scratch allocation failed"));
  }
  slot = {uid, s};
  return s;
}

Scanner::Impl::Active Scanner::Impl::active(const ScanOptions& o) const {
  Active a;
  a.rec.assign(recs.size(), 1);
  a.ner.person = a.ner.location = a.ner.org = a.ner.prefix = a.ner.title = ner_enabled;
  a.field_secret = has_generic_secret;
  if (o.entities.empty()) return a;
  a.all = false;
  std::set<std::string_view> want(o.entities.begin(), o.entities.end());
  for (std::size_t r = 0; r < recs.size(); ++r) a.rec[r] = want.count(recs[r].entity) ? 1 : 0;
  a.ner.person = ner_enabled && want.count("PERSON");
  a.ner.location = ner_enabled && want.count("LOCATION");
  a.ner.org = ner_enabled && want.count("ORGANIZATION");
  a.ner.prefix = ner_enabled && want.count("PREFIX");
  a.ner.title = ner_enabled && want.count("TITLE");
  a.field_secret = has_generic_secret && want.count("GENERIC_SECRET");
  return a;
}

namespace {

/// Lower-cased text around [b, e): up to `before` bytes before and `after` after.
std::string window(std::string_view text, std::size_t b, std::size_t e, std::size_t before, std::size_t after) {
  std::size_t wb = b > before ? b - before : 0;
  std::size_t we = std::min(text.size(), e + after);
  std::string w = to_lower(text.substr(wb, b - wb));
  w.push_back(' ');
  w += to_lower(text.substr(e, we - e));
  return w;
}

bool has_context_word(std::string_view win, const std::vector<std::string>& words) {
  for (const auto& w : words) {
    if (w.empty()) continue;
    std::size_t pos = 0;
    while ((pos = win.find(w, pos)) != std::string_view::npos) {
      bool left = pos == 0 || !is_alnum(static_cast<unsigned char>(win[pos - 1]));
      std::size_t end = pos + w.size();
      // allow simple suffixes (plural, '#', ':') after the word
      bool right = end >= win.size() || !is_alpha(static_cast<unsigned char>(win[end])) ||
                   (end + 1 <= win.size() && win[end] == 's' &&
                    (end + 1 == win.size() || !is_alpha(static_cast<unsigned char>(win[end + 1]))));
      if ((left || static_cast<unsigned char>(w[0]) >= 0x80) && (right || static_cast<unsigned char>(w.back()) >= 0x80))
        return true;
      pos = end;
    }
  }
  return false;
}

void refine_span(RecognizerSpec::Refine r, std::string_view text, std::size_t& b, std::size_t& e) {
  using R = RecognizerSpec::Refine;
  std::string_view m = text.substr(b, e - b);
  switch (r) {
    case R::None: return;
    case R::UrlTail:
      if (e < text.size() && (text[e] == '/' || text[e] == '?' || text[e] == '#')) {
        std::size_t limit = std::min(text.size(), e + 4096);
        while (e < limit && !is_space(static_cast<unsigned char>(text[e])) &&
               std::string_view("<>\"'").find(text[e]) == std::string_view::npos)
          ++e;
      }
      [[fallthrough]];
    case R::TrimTrailingPunct:
      while (e > b && std::string_view(".,;:!?)]").find(text[e - 1]) != std::string_view::npos) --e;
      return;
    case R::UrlPassword: {
      auto scheme = m.find("://");
      if (scheme == std::string_view::npos) return;
      auto at = m.rfind('@');
      auto colon = m.find(':', scheme + 3);
      if (at == std::string_view::npos || colon == std::string_view::npos || colon > at) return;
      e = b + at;
      b = b + colon + 1;
      return;
    }
    case R::AssignedValue: {
      auto pos = m.find_first_of("=:");
      if (pos == std::string_view::npos) return;
      std::size_t nb = b + pos + 1;
      while (nb < e && (is_space(static_cast<unsigned char>(text[nb])) || text[nb] == '"' || text[nb] == '\'')) ++nb;
      std::size_t ne = e;
      while (ne > nb && (text[ne - 1] == '"' || text[ne - 1] == '\'')) --ne;
      if (ne > nb) b = nb, e = ne;
      return;
    }
  }
}

/// A whole value under a key-like field name ("api_key", "client_secret",
/// ...) that looks like a random token is a GENERIC_SECRET.
void field_secret(std::string_view text, std::string_view field_lower, const Scanner::Impl::Active& act,
                  std::vector<Finding>& found) {
  if (!act.field_secret || field_lower.empty()) return;
  static constexpr std::string_view kKeyWords[] = {"api_key", "apikey", "api key", "secret", "token", "password",
                                                   "passwd", "access_key", "access key", "private_key",
                                                   "private key", "credential", "auth_key", "auth key"};
  bool keyish = false;
  for (auto k : kKeyWords) keyish = keyish || field_lower.find(k) != std::string_view::npos;
  if (!keyish) return;
  std::size_t b = 0, e = text.size();
  while (b < e && is_space(static_cast<unsigned char>(text[b]))) ++b;
  while (e > b && is_space(static_cast<unsigned char>(text[e - 1]))) --e;
  if (e - b < 16 || e - b > 512) return;
  for (std::size_t i = b; i < e; ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    if (!is_alnum(c) && std::string_view("_-+/=.~").find(static_cast<char>(c)) == std::string_view::npos) return;
  }
  if (shannon_entropy(text.substr(b, e - b)) < 3.5) return;
  found.push_back(Finding{"GENERIC_SECRET", 0.7, b, e, b, e, "field_secret"});
}

/// The offset of the first ASCII digit of p[i, n), or n. Prose has few
/// digits: 16 bytes at a time where SSE2 is there (every x86-64).
std::size_t next_digit(const char* p, std::size_t i, std::size_t n) {
#if defined(__SSE2__)
  const __m128i lo = _mm_set1_epi8('0' - 1), hi = _mm_set1_epi8('9' + 1);
  for (; i + 16 <= n; i += 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
    // signed compares: bytes >= 0x80 are negative, never digits
    const int mask = _mm_movemask_epi8(_mm_and_si128(_mm_cmpgt_epi8(v, lo), _mm_cmplt_epi8(v, hi)));
    if (mask) return i + static_cast<std::size_t>(__builtin_ctz(static_cast<unsigned>(mask)));
  }
#endif
  for (; i < n; ++i)
    if (static_cast<unsigned char>(p[i] - '0') < 10) return i;
  return n;
}
}  // namespace

void Scanner::Impl::scan_digit_windows(std::string_view text, hs_scratch_t* scr, MatchContext& ctx) const {
  // Windows of kWin bytes around every digit, merged, scanned in one call:
  // each hs_scan call has a set-up cost (real text has a window every
  // ~500 bytes), so the windows are joined by newlines into one buffer
  // (measured: the patterns-only scan of real text about 9% faster than one
  // call per window). A newline ends a word as the end of a buffer does (\b
  // sees the same) and no digit-anchored pattern matches one
  // (PatternSpec::digit_anchored), so every match of the joined buffer lies
  // inside one window and is the match a scan of that window alone would
  // report; one that did not would be dropped.
  constexpr std::size_t kWin = 48;
  auto& joined = ctx.joined;
  auto& windows = ctx.windows;
  joined.clear();
  windows.clear();
  auto add = [&](std::size_t wb, std::size_t we) {
    if (!joined.empty()) joined.push_back('\n');
    windows.push_back({joined.size(), wb, we - wb});
    joined.append(text.substr(wb, we - wb));
  };
  const char* p = text.data();
  const std::size_t n = text.size();
  std::size_t wb = 0, we = 0;
  bool open = false;
  for (std::size_t i = next_digit(p, 0, n); i < n; i = next_digit(p, i + 1, n)) {
    const std::size_t b = i > kWin ? i - kWin : 0;
    if (!(open && b <= we)) {
      if (open) add(wb, we);
      wb = b;
      open = true;
    }
    we = std::min(n, i + 1 + kWin);
  }
  if (!open) return;
  add(wb, we);
  const std::size_t first = ctx.raw.size();
  scan_range(digit.db, joined, 0, joined.size(), scr, ctx);
  // Back to offsets in the text.
  std::size_t kept = first;
  for (std::size_t k = first; k < ctx.raw.size(); ++k) {
    Raw r = ctx.raw[k];
    auto w = std::upper_bound(windows.begin(), windows.end(), r.from,
                              [](std::size_t off, const MatchContext::Window& x) { return off < x.joined; });
    if (w == windows.begin()) continue;
    --w;
    if (r.to > w->joined + w->size) continue;  // across a newline: not a match of one window
    r.from = r.from - w->joined + w->text;
    r.to = r.to - w->joined + w->text;
    ctx.raw[kept++] = r;
  }
  ctx.raw.resize(kept);
}

std::vector<Finding> Scanner::Impl::scan(std::string_view text, const ScanOptions& o, const Active& act,
                                         std::string_view field, hs_scratch_t* scr, MatchContext& ctx) const {
  std::vector<Finding> found;
  ctx.impl = this;
  ctx.active = &act;
  ctx.raw.clear();
  if (!text.empty()) {
    if (main.db) scan_range(main.db, text, 0, text.size(), scr, ctx);
    if (digit.db) scan_digit_windows(text, scr, ctx);
  }
  auto& raw = ctx.raw;
  std::sort(raw.begin(), raw.end(), [](const Raw& a, const Raw& b) {
    if (a.id != b.id) return a.id < b.id;
    if (a.from != b.from) return a.from < b.from;
    return a.to > b.to;
  });
  raw.erase(std::unique(raw.begin(), raw.end(),
                        [](const Raw& a, const Raw& b) { return a.id == b.id && a.from == b.from && a.to == b.to; }),
            raw.end());
  std::string field_lower;
  if (!field.empty()) field_lower = to_lower(field);

  std::vector<std::pair<std::size_t, std::size_t>> cands;
  auto process = [&](std::size_t r, std::size_t pidx, std::size_t i, std::size_t j) {
    const auto& spec = recs[r];
    const auto& ps = spec.patterns[pidx];
    const Validator v = validators[r];
    // Candidates sorted by start, longest first (starts moved by extend_left).
    cands.clear();
    for (std::size_t k = i; k < j; ++k) {
      std::size_t s = raw[k].from;
      if (!ps.extend_left.empty()) {
        std::size_t limit = s > 64 ? s - 64 : 0;
        while (s > limit && ps.extend_left.find(text[s - 1]) != std::string::npos) --s;
      }
      cands.push_back({s, raw[k].to});
    }
    if (!ps.extend_left.empty())
      std::sort(cands.begin(), cands.end(), [](const auto& a, const auto& b) {
        return a.first != b.first ? a.first < b.first : a.second > b.second;
      });
    std::size_t last_end = 0;
    for (std::size_t k = 0; k < cands.size();) {
      std::size_t s = cands[k].first, kk = k;
      while (kk < cands.size() && cands[kk].first == s) ++kk;
      if (s < last_end) {
        k = kk;
        continue;
      }
      for (std::size_t c = k; c < kk; ++c) {
        std::size_t e = cands[c].second;
        if (e <= s) continue;
        auto inside_l = static_cast<unsigned char>(text[s]);
        auto inside_r = static_cast<unsigned char>(text[e - 1]);
        if (s > 0) {
          auto out = static_cast<unsigned char>(text[s - 1]);
          auto beyond = s > 1 ? static_cast<unsigned char>(text[s - 2]) : 0;
          if (!boundary_ok(ps.left, out, inside_l, beyond) || ps.forbid_before.find(static_cast<char>(out)) != std::string::npos)
            continue;
        }
        if (e < text.size()) {
          auto out = static_cast<unsigned char>(text[e]);
          auto beyond = e + 1 < text.size() ? static_cast<unsigned char>(text[e + 1]) : 0;
          if (!boundary_ok(ps.right, out, inside_r, beyond) || ps.forbid_after.find(static_cast<char>(out)) != std::string::npos)
            continue;
        }
        std::string_view m = text.substr(s, e - s);
        Verdict verdict_ = v ? v(m) : Verdict::Neutral;
        if (verdict_ == Verdict::Neutral && spec.require_valid) verdict_ = Verdict::Reject;
        if (verdict_ == Verdict::Reject) {
          if (spec.longest_valid) continue;
          last_end = e;
          break;
        }
        last_end = e;
        std::size_t b = s, en = e;
        if (!spec.extend_to.empty()) {
          auto limit = std::min(text.size(), e + spec.extend_max);
          auto pos = text.substr(e, limit - e).find(spec.extend_to);
          if (pos != std::string_view::npos) en = e + pos + spec.extend_to.size();
        }
        refine_span(spec.refine, text, b, en);
        if (en <= b) break;
        if (spec.min_entropy > 0 && shannon_entropy(text.substr(b, en - b)) < spec.min_entropy) break;
        if (!spec.required_keywords.empty()) {
          std::size_t kb = b > 40 ? b - 40 : 0;
          std::string w = to_lower(text.substr(kb, en - kb)) + " " + field_lower;
          bool ok = false;
          for (const auto& kw : spec.required_keywords)
            if (w.find(kw) != std::string::npos) ok = true;
          if (!ok) break;
        }
        double score = verdict_ == Verdict::Accept ? spec.validated_score : ps.score;
        if (o.use_context && !spec.context.empty() && score < 1.0) {
          std::string w = window(text, b, en, 100, 30) + " " + field_lower;
          if (has_context_word(w, spec.context))
            score = std::min(1.0, std::max(score + spec.context_boost, spec.min_context_score));
        }
        found.push_back(Finding{spec.entity, score, b, en, b, en, ps.name});
        break;
      }
      k = kk;
    }
  };
  for (std::size_t i = 0; i < raw.size();) {
    std::size_t j = i;
    while (j < raw.size() && raw[j].id == raw[i].id) ++j;
    for (const auto& t : targets_of(raw[i].id))
      if (act.rec[t.rec]) process(t.rec, t.pat, i, j);
    i = j;
  }
  if (act.ner.any()) ner::find(text, act.ner, found);
  field_secret(text, field_lower, act, found);
  return found;
}

std::vector<Finding> Scanner::Impl::finish(std::vector<Finding> found, std::string_view text,
                                           const ScanOptions& o) const {
  // Below the threshold nothing is kept: drop it first.
  found.erase(std::remove_if(found.begin(), found.end(),
                             [&o](const Finding& f) { return f.score < o.min_score || f.score <= 0; }),
              found.end());
  // A dictionary name inside a longer pattern match ("jane" in
  // "jane.doe@example.com") is part of that match, whatever their scores
  // (a match below the threshold, dropped above, hides nothing).
  std::vector<std::pair<std::size_t, std::size_t>> patterns;  // spans of the pattern matches, by begin
  for (const auto& f : found)
    if (f.recognizer != "dictionary") patterns.emplace_back(f.begin, f.end);
  if (!patterns.empty()) {
    std::sort(patterns.begin(), patterns.end());
    auto inside = [&patterns](const Finding& f) {
      for (const auto& [b, e] : patterns) {
        if (b > f.begin) break;
        if (f.end <= e && e - b > f.end - f.begin) return true;
      }
      return false;
    };
    found.erase(std::remove_if(found.begin(), found.end(),
                               [&inside](const Finding& f) { return f.recognizer == "dictionary" && inside(f); }),
                found.end());
  }
  // Highest score first, then the longest, then the first: an index sort
  // (a Finding holds two strings; moving them around costs more than the
  // comparisons).
  std::vector<std::uint32_t> order(found.size());
  for (std::uint32_t k = 0; k < order.size(); ++k) order[k] = k;
  std::sort(order.begin(), order.end(), [&found](std::uint32_t x, std::uint32_t y) {
    const Finding& a = found[x];
    const Finding& b = found[y];
    if (a.score != b.score) return a.score > b.score;
    if (a.end - a.begin != b.end - b.begin) return a.end - a.begin > b.end - b.begin;
    if (a.begin != b.begin) return a.begin < b.begin;
    return a.entity < b.entity;
  });
  // Kept spans, disjoint, sorted by begin: of each entity, and of all.
  using Spans = std::vector<std::pair<std::size_t, std::size_t>>;
  auto overlaps = [](const Spans& m, std::size_t b, std::size_t e) {
    // the last span starting before e is the only one that can reach past b
    auto it = std::lower_bound(m.begin(), m.end(), e, [](const auto& s, std::size_t x) { return s.first < x; });
    return it != m.begin() && std::prev(it)->second > b;
  };
  auto add = [](Spans& m, std::size_t b, std::size_t e) {
    auto it = std::lower_bound(m.begin(), m.end(), b, [](const auto& s, std::size_t x) { return s.first < x; });
    if (it != m.end() && it->first == b) it->second = std::max(it->second, e);
    else m.insert(it, {b, e});
  };
  std::vector<std::pair<std::string, Spans>> by_entity;  // a handful of entities: searched in order
  Spans all;
  std::vector<Finding> kept;
  kept.reserve(found.size());
  for (std::uint32_t k : order) {
    Finding& f = found[k];
    Spans* mine = nullptr;
    for (auto& [entity, spans] : by_entity)
      if (entity == f.entity) mine = &spans;
    if (!mine) mine = &by_entity.emplace_back(f.entity, Spans{}).second;
    if (overlaps(*mine, f.begin, f.end)) continue;
    if (o.resolve_overlaps && overlaps(all, f.begin, f.end)) continue;
    add(*mine, f.begin, f.end);
    add(all, f.begin, f.end);
    kept.push_back(std::move(f));
  }
  std::sort(kept.begin(), kept.end(), [](const Finding& a, const Finding& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.entity < b.entity;
  });
  if (o.code_point_offsets) {
    // kept is sorted by begin: count code points from one begin to the next.
    std::size_t at = 0, cps = 0;
    for (auto& f : kept) {
      cps += code_points(text.substr(at, f.begin - at));
      at = f.begin;
      f.cp_begin = cps;
      f.cp_end = f.cp_begin + code_points(text.substr(f.begin, f.end - f.begin));
    }
  }
  return kept;
}

// --- public API ---------------------------------------------------------------

Scanner::Scanner(const Catalogue& catalogue, const ScannerOptions& options) : impl_(std::make_unique<Impl>()) {
  if (auto st = impl_->compile(catalogue, options.compile_cache_dir); !st) throw VaultException(st.error());
}

Scanner::~Scanner() = default;

Result<std::shared_ptr<const Scanner>> Scanner::create(const Catalogue& catalogue, const ScannerOptions& options) {
  try {
    return std::make_shared<const Scanner>(catalogue, options);
  } catch (const VaultException& e) {
    return fail(e.error());
  }
}

std::vector<Finding> Scanner::scan_text(std::string_view text, const ScanOptions& options) const {
  return scan_field({}, text, options);
}

std::vector<Finding> Scanner::scan_field(std::string_view field, std::string_view text,
                                         const ScanOptions& options) const {
  Impl::MatchContext ctx;
  auto act = impl_->active(options);
  auto found = impl_->scan(text, options, act, field, impl_->scratch(), ctx);
  return impl_->finish(std::move(found), text, options);
}

const std::vector<SkippedRule>& Scanner::skipped() const { return impl_->skipped; }

std::vector<std::string> Scanner::entities() const { return impl_->entity_list; }

}  // namespace vault::pii
