#pragma once
#include "ner.hpp"
// Scanner internals shared by scanner.cpp and json_scan.cpp.
#include "vault/pii/detection/scanner.hpp"
#include "vault/pii/detection/validators.hpp"

#include <hs/hs.h>

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

namespace vault::pii {

struct Scanner::Impl {
  /// Unique per scanner built in this process (never reused, unlike an
  /// address): the key of caches that hold this scanner's results.
  const std::uint64_t id = next_id();
  static std::uint64_t next_id() {
    static std::atomic<std::uint64_t> counter{0};
    return ++counter;
  }

  struct Raw {
    unsigned id;
    std::size_t from, to;
  };
  struct Target {
    std::size_t rec, pat;  // recognizer index, pattern index inside it
  };
  /// One compiled Vectorscan database. Identical patterns (regex + flags)
  /// are compiled once; `targets[id]` lists every recognizer pattern using it.
  struct Db {
    hs_database_t* db = nullptr;
    std::vector<std::vector<Target>> targets;
    unsigned id_base = 0;  // ids of this db are id_base + index
  };
  /// Which recognizers run for one scan call (computed once per call).
  struct Active {
    std::vector<char> rec;  // per recognizer
    bool all = true;
    ner::Wanted ner;  // the dictionary entities asked for
    bool field_secret = false;  // GENERIC_SECRET values under key-like JSON field names
  };
  struct MatchContext {
    const Impl* impl = nullptr;
    const Active* active = nullptr;
    std::size_t offset = 0;
    std::vector<Raw> raw;
    /// The digit windows of one text, joined by newlines, and where each
    /// window is in the joined buffer and in the text (scan_digit_windows()).
    struct Window {
      std::size_t joined, text, size;
    };
    std::string joined;
    std::vector<Window> windows;
  };

  std::vector<RecognizerSpec> recs;
  std::vector<Validator> validators;  // per recognizer (nullptr = none)
  Db main, digit;                     // digit: patterns run only around digits
  std::vector<Target> all_targets_flat;
  std::vector<SkippedRule> skipped;
  std::vector<std::string> entity_list;
  bool ner_enabled = false;
  bool has_generic_secret = false;
  std::uint64_t uid = 0;  // process-unique, keys the thread-local scratch cache

  ~Impl();
  Status compile(const Catalogue& catalogue, const std::string& cache_dir);
  /// This thread's scratch for this scanner's databases.
  hs_scratch_t* scratch() const;
  Active active(const ScanOptions& o) const;
  const std::vector<Target>& targets_of(unsigned id) const {
    return id >= digit.id_base && digit.db ? digit.targets[id - digit.id_base] : main.targets[id];
  }
  /// Appends the matches of the digit-anchored patterns in `text` to ctx.raw.
  void scan_digit_windows(std::string_view text, hs_scratch_t* scr, MatchContext& ctx) const;
  /// Candidate findings of one text (before overlap resolution).
  std::vector<Finding> scan(std::string_view text, const ScanOptions& o, const Active& act, std::string_view field,
                            hs_scratch_t* scr, MatchContext& ctx) const;
  /// Overlap resolution, min-score filter, code-point offsets.
  std::vector<Finding> finish(std::vector<Finding> found, std::string_view text, const ScanOptions& o) const;
};

}  // namespace vault::pii
