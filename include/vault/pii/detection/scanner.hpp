#pragma once
/// Multi-pattern PII/secret scanner over one Vectorscan block database.
#include "vault/core/error.hpp"
#include "vault/pii/detection/catalogue.hpp"
#include "vault/pii/detection/finding.hpp"

#include <boost/json/value.hpp>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace vault::pii {

/// Compiles a Catalogue once; afterwards `scan_*` are const and thread-safe
/// (each thread uses its own thread-local Vectorscan scratch).
///
/// Findings: every pattern match passes its boundary post-checks, the
/// validator and entropy checks, then gets context boosts. Overlaps are
/// resolved deterministically (higher score, then longer span, then
/// earlier start, then entity name) unless ScanOptions says otherwise.
struct ScannerOptions {
  /// Where compiled pattern databases are kept between runs ("" = compile
  /// every time). A database is reused only for the very same expressions,
  /// flags and Vectorscan version; damaged files are compiled again.
  std::string compile_cache_dir;
};

class Scanner {
 public:
  /// Compiles the catalogue. Patterns Vectorscan rejects are skipped and
  /// reported by `skipped()`; fails only when nothing at all compiles
  /// while the catalogue has patterns, or on allocation failure.
  static Result<std::shared_ptr<const Scanner>> create(const Catalogue& catalogue,
                                                       const ScannerOptions& options = {});
  /// Throws VaultException on failure (convenience for tests and tools).
  explicit Scanner(const Catalogue& catalogue, const ScannerOptions& options = {});
  ~Scanner();
  Scanner(const Scanner&) = delete;
  Scanner& operator=(const Scanner&) = delete;

  /// Scans plain text (any bytes; UTF-8 expected for code-point offsets).
  std::vector<Finding> scan_text(std::string_view text, const ScanOptions& options = {}) const;
  /// Walks a JSON value: every string (and number, as its text) is scanned
  /// with the enclosing field names as extra context.
  std::vector<JsonFinding> scan_json(const boost::json::value& value,
                                     const ScanOptions& options = {}) const;
  /// Scans `text` as if it were stored under the field `field_name`
  /// (its words act as context).
  std::vector<Finding> scan_field(std::string_view field_name, std::string_view text,
                                  const ScanOptions& options = {}) const;

  const std::vector<SkippedRule>& skipped() const;
  /// Entities this scanner can report, sorted.
  std::vector<std::string> entities() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace vault::pii
