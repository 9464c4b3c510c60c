#pragma once
/// Findings reported by the PII scanner.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace vault::pii {

/// One detected entity in a text. Offsets are half-open byte offsets into
/// the scanned text; code-point offsets are filled only when
/// `ScanOptions::code_point_offsets` is set (otherwise equal to the byte ones).
struct Finding {
  std::string entity;       ///< e.g. "CREDIT_CARD", "AWS_ACCESS_KEY_ID"
  double score = 0;         ///< confidence in [0, 1]
  std::size_t begin = 0;    ///< byte offset, inclusive
  std::size_t end = 0;      ///< byte offset, exclusive
  std::size_t cp_begin = 0; ///< code-point offset, inclusive
  std::size_t cp_end = 0;   ///< code-point offset, exclusive
  std::string recognizer;   ///< name of the recognizer/pattern that produced it
  bool operator==(const Finding&) const = default;
};

/// A finding inside a JSON document: `path` is the RFC 6901 pointer of the
/// string (or number) value, offsets are relative to that value's text.
/// When `in_key` is set the finding is in the member's *key* (the last
/// token of `path`), and offsets are relative to the key's text.
struct JsonFinding {
  Finding finding;
  std::string path;  ///< e.g. "/user/email", "/items/0/card"
  bool in_key = false;
};

/// The last token of an RFC 6901 pointer, unescaped ("~1" → "/", "~0" → "~"):
/// for an `in_key` finding, the key itself. "" for "" (the root).
std::string last_pointer_token(std::string_view pointer);

/// What to scan for and what to report.
struct ScanOptions {
  std::vector<std::string> entities;  ///< only these entities; empty = all
  double min_score = 0.0;             ///< drop findings scored below this
  bool code_point_offsets = false;    ///< fill cp_begin/cp_end
  bool resolve_overlaps = true;       ///< keep one finding per overlapping region
  bool use_context = true;            ///< apply context-word boosts
};

}  // namespace vault::pii
