#pragma once
/// Input selection for `vault scan`: expands files and directories
/// (recursively, sorted, symlinked directories not followed) and applies the
/// --include/--exclude globs.
#include <cstdint>
#include <string>
#include <vector>

namespace vault::cli::scan {

enum class InputFormat { Auto, Jsonl, Json, Csv, Text };

/// "auto", "jsonl", ... -> format; false for an unknown name.
bool parse_input_format(const std::string& name, InputFormat& out);
const char* format_name(InputFormat f);
/// By extension (case-insensitive): .jsonl/.ndjson -> Jsonl, .json -> Json,
/// .csv -> Csv, anything else -> Text.
InputFormat format_for_path(const std::string& path);

/// fnmatch(3) (no flags: '*' also matches '/') against the path relative to
/// its root and against the basename.
bool glob_matches(const std::string& pattern, const std::string& rel_path);

struct InputFile {
  std::string path;       ///< as displayed and reported (root joined with the relative path)
  std::uint64_t size = 0;
};

struct WalkResult {
  std::vector<InputFile> files;                             ///< sorted by path, no duplicates
  std::vector<std::pair<std::string, std::string>> skipped; ///< (path, reason): not regular, unreadable dir
  std::uint64_t excluded = 0;                               ///< files left out by the globs
};

/// Expands `roots`. A root that does not exist or cannot be listed sets
/// `error` (message without file contents) and stops. A file given directly
/// is always taken (globs apply only to files found in directories).
WalkResult walk_inputs(const std::vector<std::string>& roots, const std::vector<std::string>& include,
                       const std::vector<std::string>& exclude, std::string& error);

}  // namespace vault::cli::scan
