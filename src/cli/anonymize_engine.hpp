#pragma once
/// The streaming core of `vault anonymize`: reads one input (JSONL line by
/// line, a JSON document whole, CSV record by record, text line by line),
/// scans each unit with the policy's scan options, rewrites the findings in
/// scope with the policy's operators and writes the result. Memory is
/// bounded by the longest line / CSV record (a JSON document is read whole,
/// up to `max_json_bytes`). With a `reject` policy nothing is rewritten: the
/// first finding in scope stops the run (the caller discards the output).
#include "cli/anonymize_io.hpp"
#include "cli/scan_files.hpp"
#include "vault/pii/anonymization/anonymizer.hpp"
#include "vault/pii/detection/scanner.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>

namespace vault::cli::anon {

struct EngineConfig {
  const pii::Scanner* scanner = nullptr;
  const pii::Policy* policy = nullptr;
  const pii::AnonymizerContext* context = nullptr;  ///< unused with a reject policy
  scan::InputFormat format = scan::InputFormat::Jsonl;  ///< not Auto
  std::string display_name;                      ///< the input as named in messages
  std::uint64_t max_json_bytes = 256ull << 20;
  std::function<void(std::uint64_t bytes_read)> on_progress;  ///< may be empty
};

struct EngineStats {
  std::uint64_t records = 0;   ///< JSONL/text lines (non-blank), CSV data rows, 1 for JSON
  std::uint64_t bytes_in = 0;
  std::map<std::string, std::uint64_t> findings;  ///< in-scope findings per entity
  pii::AnonymizeStats operations;
  std::uint64_t total_findings() const;
};

/// Why a run stopped. `message` names the file and place, never a value.
struct EngineFailure {
  int exit_code = 1;  ///< 1: invalid input, read/write error, rejected; 2: --max-json-bytes exceeded
  std::string message;
};

/// Anonymizes `in` into `out` (flushed at the end). nullopt on success.
std::optional<EngineFailure> run_anonymize(FdReader& in, FdWriter& out, const EngineConfig& config,
                                           EngineStats& stats);

/// A JSON pointer fit for messages: segments that hold PII (or are longer
/// than 64 bytes) become "*".
std::string safe_pointer(std::string_view path, const pii::Scanner& scanner);

}  // namespace vault::cli::anon
