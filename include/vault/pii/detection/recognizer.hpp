#pragma once
/// Declarative description of a pattern recognizer (Presidio-like).
///
/// A recognizer finds one entity with one or more regex patterns. Patterns
/// use the Vectorscan dialect (no lookarounds, no backreferences, no \b in
/// our own patterns: word boundaries are post-checks, see `Boundary`). A
/// candidate gets its pattern's score; the optional validator may reject it
/// or raise it to `validated_score`; context words found near it (or in the
/// JSON field name) add `context_boost`, at least up to `min_context_score`.
#include <cstddef>
#include <string>
#include <vector>

namespace vault::pii {

/// Post-check on the character just outside one end of a match.
enum class Boundary {
  None,   ///< anything may touch the match
  Word,   ///< ASCII \b semantics (word char = [A-Za-z0-9_])
  Alnum,  ///< the neighbour must not be an ASCII letter or digit
  Digit,  ///< the neighbour must not be an ASCII digit
  Token,  ///< the neighbour must be whitespace, start/end, or one of ,;:()[]{}"'<>
  Dotted, ///< like Alnum, and a '.' or ':' neighbour must not be followed by an alphanumeric
};

struct PatternSpec {
  std::string name;        ///< for diagnostics, e.g. "ssn_dashed"
  std::string regex;       ///< Vectorscan syntax
  double score = 0.5;      ///< base score of a match
  bool caseless = false;   ///< compile with HS_FLAG_CASELESS
  Boundary left = Boundary::Word;
  Boundary right = Boundary::Word;
  /// Extra bytes that are not allowed immediately before/after the match
  /// (in addition to the boundary rule), e.g. "." for IP addresses.
  std::string forbid_before;
  std::string forbid_after;
  /// Every match contains an ASCII digit and is at most 48 bytes long. Such
  /// patterns are compiled into a second database that only runs on the
  /// windows around digits, which keeps prose scanning fast. The pattern
  /// must not match a newline: the windows of a text are scanned in one
  /// call, joined by newlines (Scanner::Impl::scan_digit_windows).
  bool digit_anchored = false;
  /// After a match, move its start left over these bytes (at most 64), e.g.
  /// the local part of an e-mail matched from its '@'. Lets a pattern start
  /// at a rare literal instead of a common character class.
  std::string extend_left;
};

struct RecognizerSpec {
  std::string name;                   ///< unique id, e.g. "credit_card"
  std::string entity;                 ///< e.g. "CREDIT_CARD"
  std::vector<PatternSpec> patterns;
  std::string validator;              ///< name from validator registry, "" = none
  /// Neutral validator verdicts are treated as rejections when true.
  bool require_valid = false;
  double validated_score = 1.0;       ///< score after an Accept verdict
  std::vector<std::string> context;   ///< lower-case context words
  double context_boost = 0.35;
  double min_context_score = 0.4;
  /// On a failed validation, retry shorter matches from the same start
  /// (longest valid match wins), e.g. an IBAN followed by a stray letter.
  bool longest_valid = false;
  /// When set, the span is extended to the end of the first occurrence of
  /// this literal after the match (within `extend_max` bytes), e.g. the END
  /// line of a private key block.
  std::string extend_to;
  std::size_t extend_max = 16384;
  /// Span narrowing after a match.
  enum class Refine {
    None,
    AssignedValue,  ///< keep the value after the last '=' or ':' (quotes stripped)
    UrlPassword,    ///< keep the password of scheme://user:password@host
    TrimTrailingPunct,  ///< drop trailing .,;:!?)] (URLs at the end of a sentence)
    UrlTail,  ///< extend over a following /path?query#fragment, then TrimTrailingPunct
  } refine = Refine::None;
  /// Minimum Shannon entropy (bits/byte) of the match; 0 = no check.
  double min_entropy = 0.0;
  /// When non-empty, at least one of these (lower-case) words must occur in
  /// the match or its context window, otherwise the candidate is dropped
  /// (gitleaks "keywords").
  std::vector<std::string> required_keywords;
};

}  // namespace vault::pii
