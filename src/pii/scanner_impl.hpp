#pragma once
// Scanner internals shared by scanner.cpp and json_scan.cpp.
#include "vault/pii/scanner.hpp"
#include "vault/pii/validators.hpp"

#include <hs/hs.h>

#include <string>
#include <vector>

namespace vault::pii {

struct Scanner::Impl {
  struct Raw {
    unsigned id;
    std::size_t from, to;
  };
  struct MatchContext {
    const Impl* impl = nullptr;
    const std::vector<char>* active = nullptr;
    std::vector<Raw> raw;
  };

  std::vector<RecognizerSpec> recs;
  std::vector<Validator> validators;     // per recognizer (nullptr = none)
  struct Target {
    std::size_t rec, pat;  // recognizer index, pattern index inside it
  };
  /// database id -> every (recognizer, pattern) using that exact regex + flags
  /// (identical patterns such as \d{9} are compiled once)
  std::vector<std::vector<Target>> targets;
  hs_database_t* db = nullptr;
  std::vector<SkippedRule> skipped;
  std::vector<std::string> entity_list;
  bool ner_enabled = false;
  std::string last_error;

  ~Impl();
  Status compile(const Catalogue& catalogue);
  /// This thread's scratch, grown to fit this database.
  hs_scratch_t* scratch() const;
  std::vector<char> active_mask(const ScanOptions& o, bool& ner_p, bool& ner_l, bool& ner_o) const;
  /// Candidate findings of one text (before overlap resolution).
  std::vector<Finding> scan(std::string_view text, const ScanOptions& o, std::string_view field, hs_scratch_t* scr,
                            MatchContext& ctx) const;
  /// Overlap resolution, min-score filter, code-point offsets.
  std::vector<Finding> finish(std::vector<Finding> found, std::string_view text, const ScanOptions& o) const;
};

}  // namespace vault::pii
