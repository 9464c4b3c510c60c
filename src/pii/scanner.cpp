// Scanner: one Vectorscan block-mode database for all patterns, candidate
// post-checks (boundaries, validators, entropy, keywords), context boosts
// and deterministic overlap resolution.
#include "vault/pii/scanner.hpp"

#include "ner.hpp"
#include "scanner_impl.hpp"
#include "text_util.hpp"

#include <hs/hs.h>

#include <algorithm>
#include <map>
#include <set>

namespace vault::pii {

using namespace util;

namespace {

struct TlsScratch {
  hs_scratch_t* scratch = nullptr;
  ~TlsScratch() {
    if (scratch) hs_free_scratch(scratch);
  }
};
thread_local TlsScratch tls_scratch;

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
  if (c->active) {
    bool any = false;
    for (const auto& t : c->impl->targets[id]) any = any || (*c->active)[t.rec];
    if (!any) return 0;
  }
  c->raw.push_back({id, static_cast<std::size_t>(from), static_cast<std::size_t>(to)});
  return 0;
}

}  // namespace

Scanner::Impl::~Impl() {
  if (db) hs_free_database(db);
}

Status Scanner::Impl::compile(const Catalogue& catalogue) {
  recs = catalogue.recognizers();
  ner_enabled = catalogue.dictionary_entities();
  entity_list = catalogue.entities();
  validators.assign(recs.size(), nullptr);
  for (std::size_t r = 0; r < recs.size(); ++r) {
    if (recs[r].validator.empty()) continue;
    if (auto v = find_validator(recs[r].validator)) validators[r] = *v;
    else skipped.push_back({recs[r].name, "unknown validator " + recs[r].validator});
  }
  struct Entry {
    std::string regex;
    unsigned flags;
    std::vector<Target> targets;
  };
  std::vector<Entry> entries;
  std::map<std::pair<std::string, unsigned>, std::size_t> seen;
  for (std::size_t r = 0; r < recs.size(); ++r)
    for (std::size_t p = 0; p < recs[r].patterns.size(); ++p) {
      const auto& ps = recs[r].patterns[p];
      unsigned flags = HS_FLAG_SOM_LEFTMOST | (ps.caseless ? HS_FLAG_CASELESS : 0u);
      auto [it, fresh] = seen.emplace(std::make_pair(ps.regex, flags), entries.size());
      if (fresh) entries.push_back({ps.regex, flags, {}});
      entries[it->second].targets.push_back({r, p});
    }
  if (entries.empty()) return {};

  auto try_compile = [&](std::vector<Entry>& es, int& bad) -> bool {
    std::vector<const char*> exprs;
    std::vector<unsigned> flags, ids;
    for (std::size_t i = 0; i < es.size(); ++i) {
      exprs.push_back(es[i].regex.c_str());
      flags.push_back(es[i].flags);
      ids.push_back(static_cast<unsigned>(i));
    }
    hs_compile_error_t* err = nullptr;
    hs_database_t* out = nullptr;
    auto rc = hs_compile_multi(exprs.data(), flags.data(), ids.data(), static_cast<unsigned>(es.size()), HS_MODE_BLOCK,
                               nullptr, &out, &err);
    if (rc == HS_SUCCESS) {
      db = out;
      return true;
    }
    bad = err ? err->expression : -1;
    last_error = err && err->message ? err->message : "compile error";
    if (err) hs_free_compile_error(err);
    return false;
  };

  while (!entries.empty()) {
    int bad = -1;
    if (try_compile(entries, bad)) break;
    if (bad >= 0 && static_cast<std::size_t>(bad) < entries.size()) {
      const auto& e = entries[static_cast<std::size_t>(bad)];
      for (const auto& t : e.targets) skipped.push_back({recs[t.rec].patterns[t.pat].name, "vectorscan: " + last_error});
      entries.erase(entries.begin() + bad);
      continue;
    }
    // A global failure: find the offending patterns one by one.
    std::vector<Entry> ok;
    for (auto& e : entries) {
      hs_database_t* single = nullptr;
      hs_compile_error_t* err = nullptr;
      if (hs_compile(e.regex.c_str(), e.flags, HS_MODE_BLOCK, nullptr, &single, &err) == HS_SUCCESS) {
        hs_free_database(single);
        ok.push_back(std::move(e));
      } else {
        for (const auto& t : e.targets)
          skipped.push_back({recs[t.rec].patterns[t.pat].name,
                             std::string("vectorscan: ") + (err && err->message ? err->message : "compile error")});
      }
      if (err) hs_free_compile_error(err);
    }
    if (ok.size() == entries.size()) return fail(ErrorKind::Configuration, "vectorscan could not compile the pattern set");
    entries = std::move(ok);
  }
  if (!db) return fail(ErrorKind::Configuration, "no recognizer pattern could be compiled");
  for (auto& e : entries) targets.push_back(std::move(e.targets));
  // Allocate one scratch now so allocation problems surface at creation.
  hs_scratch_t* s = nullptr;
  if (hs_alloc_scratch(db, &s) != HS_SUCCESS) return fail(ErrorKind::InternalServer, "vectorscan scratch allocation failed");
  hs_free_scratch(s);
  return {};
}

hs_scratch_t* Scanner::Impl::scratch() const {
  if (!db) return nullptr;
  if (hs_alloc_scratch(db, &tls_scratch.scratch) != HS_SUCCESS)
    throw VaultException(Error(ErrorKind::InternalServer, "vectorscan scratch allocation failed"));
  return tls_scratch.scratch;
}

std::vector<char> Scanner::Impl::active_mask(const ScanOptions& o, bool& ner_p, bool& ner_l, bool& ner_o) const {
  std::vector<char> m(recs.size(), 1);
  ner_p = ner_l = ner_o = ner_enabled;
  if (o.entities.empty()) return m;
  std::set<std::string_view> want(o.entities.begin(), o.entities.end());
  for (std::size_t r = 0; r < recs.size(); ++r) m[r] = want.count(recs[r].entity) ? 1 : 0;
  ner_p = ner_enabled && want.count("PERSON");
  ner_l = ner_enabled && want.count("LOCATION");
  ner_o = ner_enabled && want.count("ORGANIZATION");
  return m;
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

}  // namespace

std::vector<Finding> Scanner::Impl::scan(std::string_view text, const ScanOptions& o, std::string_view field,
                                         hs_scratch_t* scr, MatchContext& ctx) const {
  std::vector<Finding> found;
  bool np = false, nl = false, no = false;
  auto mask = active_mask(o, np, nl, no);
  ctx.impl = this;
  ctx.active = o.entities.empty() ? nullptr : &mask;
  ctx.raw.clear();
  if (db && !text.empty()) {
    std::size_t off = 0;
    // hs_scan takes an unsigned int length: scan huge inputs in overlapping chunks.
    constexpr std::size_t kChunk = std::size_t{1} << 30;
    while (off < text.size()) {
      std::size_t len = std::min(kChunk, text.size() - off);
      std::size_t before = ctx.raw.size();
      hs_scan(db, text.data() + off, static_cast<unsigned>(len), 0, scr, on_match, &ctx);
      for (std::size_t i = before; i < ctx.raw.size(); ++i) ctx.raw[i].from += off, ctx.raw[i].to += off;
      if (off + len >= text.size()) break;
      off += len - 4096;
    }
  }
  auto& raw = ctx.raw;
  std::sort(raw.begin(), raw.end(), [](const Raw& a, const Raw& b) {
    if (a.id != b.id) return a.id < b.id;
    if (a.from != b.from) return a.from < b.from;
    return a.to > b.to;
  });
  const std::string field_lower = to_lower(field);
  auto process = [&](std::size_t r, std::size_t pidx, std::size_t i, std::size_t j) {
    const auto& spec = recs[r];
    const auto& ps = spec.patterns[pidx];
    const Validator v = validators[r];
    std::size_t last_end = 0;
    for (std::size_t k = i; k < j;) {
      std::size_t s = raw[k].from, kk = k;
      while (kk < j && raw[kk].from == s) ++kk;
      if (s < last_end) {
        k = kk;
        continue;
      }
      for (std::size_t c = k; c < kk; ++c) {
        std::size_t e = raw[c].to;
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
    for (const auto& t : targets[raw[i].id])
      if (mask[t.rec]) process(t.rec, t.pat, i, j);
    i = j;
  }
  if (np || nl || no) ner::find(text, np, nl, no, found);
  return found;
}

std::vector<Finding> Scanner::Impl::finish(std::vector<Finding> found, std::string_view text,
                                           const ScanOptions& o) const {
  std::sort(found.begin(), found.end(), [](const Finding& a, const Finding& b) {
    if (a.score != b.score) return a.score > b.score;
    if (a.end - a.begin != b.end - b.begin) return a.end - a.begin > b.end - b.begin;
    if (a.begin != b.begin) return a.begin < b.begin;
    return a.entity < b.entity;
  });
  std::vector<Finding> kept;
  std::map<std::string, std::map<std::size_t, std::size_t>> by_entity;  // entity -> begin -> end
  std::map<std::size_t, std::size_t> all;
  auto overlaps = [](const std::map<std::size_t, std::size_t>& m, std::size_t b, std::size_t e) {
    auto it = m.lower_bound(e);  // first interval starting at or after e: no overlap
    if (it == m.begin()) return false;
    --it;
    return it->second > b;
  };
  for (auto& f : found) {
    if (f.score < o.min_score || f.score <= 0) continue;
    auto& mine = by_entity[f.entity];
    if (overlaps(mine, f.begin, f.end)) continue;
    if (o.resolve_overlaps && overlaps(all, f.begin, f.end)) continue;
    mine[f.begin] = f.end;
    all[f.begin] = std::max(all[f.begin], f.end);
    kept.push_back(std::move(f));
  }
  std::sort(kept.begin(), kept.end(), [](const Finding& a, const Finding& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.entity < b.entity;
  });
  if (o.code_point_offsets) {
    // kept is sorted by begin; ends are computed independently.
    for (auto& f : kept) {
      f.cp_begin = code_points(text.substr(0, f.begin));
      f.cp_end = f.cp_begin + code_points(text.substr(f.begin, f.end - f.begin));
    }
  }
  return kept;
}

// --- public API ---------------------------------------------------------------

Scanner::Scanner(const Catalogue& catalogue) : impl_(std::make_unique<Impl>()) {
  if (auto st = impl_->compile(catalogue); !st) throw VaultException(st.error());
}

Scanner::~Scanner() = default;

Result<std::shared_ptr<const Scanner>> Scanner::create(const Catalogue& catalogue) {
  try {
    return std::make_shared<const Scanner>(catalogue);
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
  auto found = impl_->scan(text, options, field, impl_->scratch(), ctx);
  return impl_->finish(std::move(found), text, options);
}

const std::vector<SkippedRule>& Scanner::skipped() const { return impl_->skipped; }

std::vector<std::string> Scanner::entities() const { return impl_->entity_list; }

}  // namespace vault::pii
