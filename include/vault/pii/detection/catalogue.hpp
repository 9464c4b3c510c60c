#pragma once
/// The set of recognizers a Scanner compiles.
#include "vault/core/error.hpp"
#include "vault/pii/detection/recognizer.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace vault::pii {

/// A rule that could not be used (bad regex, unknown validator, ...).
struct SkippedRule {
  std::string name;
  std::string reason;  ///< never contains scanned data
};

/// Recognizer catalogue. `Catalogue::defaults()` holds the built-in
/// entities (generic, national identifiers, secrets); custom recognizers
/// are added with `add`. Dictionary entities (PERSON, LOCATION,
/// ORGANIZATION) are toggled with `enable_dictionary_entities`.
class Catalogue {
 public:
  Catalogue() = default;
  /// All built-in recognizers, dictionary entities enabled.
  static Catalogue defaults();

  /// Adds a custom recognizer. Fails (Validation) on an empty entity, no
  /// patterns, an unknown validator name or a duplicate name. Regex syntax
  /// is checked when the Scanner compiles (bad patterns are then skipped
  /// and listed in Scanner::skipped()).
  Status add(RecognizerSpec spec);
  /// Removes the recognizers of `entity`; returns how many were removed.
  std::size_t remove_entity(std::string_view entity);
  /// Replaces the context words of every recognizer of `entity`.
  void set_context(std::string_view entity, std::vector<std::string> words);

  const std::vector<RecognizerSpec>& recognizers() const { return recognizers_; }
  bool dictionary_entities() const { return dictionary_entities_; }
  void enable_dictionary_entities(bool on) { dictionary_entities_ = on; }
  /// Entities this catalogue can report (pattern and dictionary ones), sorted.
  std::vector<std::string> entities() const;

 private:
  std::vector<RecognizerSpec> recognizers_;
  bool dictionary_entities_ = false;
};

/// Built-in recognizer groups (used by Catalogue::defaults()).
std::vector<RecognizerSpec> generic_recognizers();
std::vector<RecognizerSpec> national_recognizers();
std::vector<RecognizerSpec> secret_recognizers();
std::vector<RecognizerSpec> address_recognizers();

/// Parses gitleaks-style TOML rules (`[[rules]]` tables with id, regex,
/// keywords, entropy, description; `[allowlist]` and other tables are
/// ignored) into recognizers of entity "SECRET" (or `entity`). Fails only
/// on unreadable TOML; the caller adds the specs to a Catalogue.
Result<std::vector<RecognizerSpec>> parse_gitleaks_toml(std::string_view toml,
                                                        std::string_view entity = "SECRET");

}  // namespace vault::pii
