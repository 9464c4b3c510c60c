#pragma once
/// Findings of `vault scan` and their renderings: table, JSON and SARIF 2.1.0.
/// Matched values are masked everywhere unless the caller asks for them.
#include "cli/scan_files.hpp"

#include <cstdint>
#include <iosfwd>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace vault::cli::scan {

/// One finding with its location. Line/column are 1-based (columns count
/// code points; end_column is exclusive); 0 means unknown.
struct Hit {
  std::size_t file = 0;  ///< index into Report::files
  std::string entity, recognizer;
  double score = 0;
  std::uint64_t line = 0, column = 0, end_line = 0, end_column = 0;
  std::int64_t offset = -1;    ///< text: byte offset in the file (-1: not text)
  std::string pointer;         ///< json/jsonl: RFC 6901 pointer of the value
  std::uint64_t row = 0;       ///< csv: 1-based data row (the header row not counted)
  std::string column_name;     ///< csv: header name of the field
  std::string preview;         ///< masked value (mask_value)
  std::string value;           ///< the matched text, filled only with --show-values
};

struct ScannedFile {
  std::string path;
  InputFormat format = InputFormat::Text;
  std::uint64_t bytes = 0;
};

/// Everything but the findings themselves (those are streamed to a ReportWriter).
struct Report {
  std::vector<ScannedFile> files;                           ///< scanned, sorted by path
  std::vector<std::pair<std::string, std::string>> skipped; ///< (path, reason)
  std::uint64_t excluded = 0;
  std::uint64_t parse_errors = 0;   ///< JSON lines/documents scanned as plain text instead
  std::uint64_t findings = 0;
  std::map<std::string, std::uint64_t> by_entity;  ///< findings per entity
  double elapsed_seconds = 0;       ///< scanning (reading included, scanner compilation not)
  double compile_seconds = 0;
  unsigned threads = 1;

  std::uint64_t bytes() const;
};

/// "jo***": at most 2 leading code points (fewer for short values) + "***";
/// control characters become spaces.
std::string mask_value(std::string_view value);

/// "12:5", "3:21 /user/email", "row 4 [email] (5:7)".
std::string location_text(const Hit& h, InputFormat format);

/// Receives the findings in output order (by file, then position) while the
/// scan runs, so memory does not grow with the number of findings.
class ReportWriter {
 public:
  virtual ~ReportWriter() = default;
  virtual void hit(const Hit& h, const ScannedFile& file) = 0;
  /// After the last hit: summary, skipped files, closing brackets.
  virtual void end(const Report& r) = 0;
};

/// Table with fixed column widths (`file_width`: longest input path, capped).
std::unique_ptr<ReportWriter> table_writer(std::ostream& out, bool show_values, std::size_t file_width,
                                           std::size_t entity_width);
/// {"findings": [...], "summary": {...}, "skipped": [...]}
std::unique_ptr<ReportWriter> json_writer(std::ostream& out, bool show_values);
/// SARIF 2.1.0: one rule per entity in `entities` (sorted), one result per hit.
std::unique_ptr<ReportWriter> sarif_writer(std::ostream& out, bool show_values, std::vector<std::string> entities);

/// Relative URI reference for a path (percent-encodes what RFC 3986 does
/// not allow in a path; absolute paths become file:// URIs).
std::string path_to_uri(const std::string& path);

}  // namespace vault::cli::scan
