#pragma once
/// Strict JSON parsing: RFC 8259 text (valid UTF-8, no comments, no
/// trailing commas), bounded nesting, and **no duplicate object keys**.
///
/// Why: a document with `{"note":"<ssn>","note":"ok"}` parses, with a
/// last-wins parser, to an object whose checks (PII scan, schema) see "ok"
/// while the bytes stored or forwarded still hold the SSN. Every write path
/// of the vault parses with this parser, so the value checked is the value
/// stored. Duplicates are refused, never silently merged.
///
/// Errors (never echoing the input's values):
/// - MalformedRequest "<subject> is not valid JSON: <reason>" for invalid
///   JSON: details {"offset", "reason"}. It
///   takes precedence: a text that is invalid anywhere is reported as such.
/// - Validation "duplicate object key" for valid JSON with a repeated key
///   (the first one found, in document order of the objects' ends): details
///   {"pointer": RFC 6901 pointer of the repeated member, and "key" when the
///   key is name-like}. Keys are data too: a pointer segment that is not
///   name-like (see is_name_like) is written as "*", and the key is left out.
#include <boost/json/storage_ptr.hpp>
#include <boost/json/value.hpp>

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "vault/core/error.hpp"

namespace vault {

/// True for short identifier-like names ("note", "user_id", "a.b-c"): an
/// ASCII letter, '_' or '$' first, then letters, digits, '_', '$', '.', '-',
/// at most 64 bytes, and no run of more than 4 digits. Such a key may be
/// named in an error; anything else (emails, numbers, free text) is not.
bool is_name_like(std::string_view key) noexcept;

struct StrictJsonOptions {
  static constexpr std::size_t kDefaultMaxDepth = 64;
  std::size_t max_depth = kDefaultMaxDepth;
  /// Accept strings that are not valid UTF-8 (the offline CLI tools read
  /// arbitrary files; the server never sets it).
  bool allow_invalid_utf8 = false;
  /// What the text is, for the error message ("record", "request body").
  std::string subject = "the text";
};

/// A reusable strict parser. Not thread-safe: one per thread (or per worker).
class StrictJsonParser {
 public:
  static constexpr std::size_t kDefaultMaxDepth = StrictJsonOptions::kDefaultMaxDepth;

  explicit StrictJsonParser(StrictJsonOptions options = {});
  ~StrictJsonParser();
  StrictJsonParser(const StrictJsonParser&) = delete;
  StrictJsonParser& operator=(const StrictJsonParser&) = delete;

  /// Parses the whole of `text` as one JSON value (surrounding whitespace
  /// allowed). The result's memory comes from `sp` (default: the heap).
  Result<boost::json::value> parse(std::string_view text, boost::json::storage_ptr sp = {});

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// One-shot convenience: a per-thread StrictJsonParser with the default depth.
Result<boost::json::value> parse_json_strict(std::string_view text);

}  // namespace vault
