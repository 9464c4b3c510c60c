#pragma once
/// Incremental RFC 4180 CSV parser for `vault scan`: fed arbitrary chunks,
/// it emits whole records with the physical position of every field, so a
/// file of any size is parsed in memory bounded by its longest record.
///
/// Dialect: ',' separates fields; a record ends at LF or CRLF (a lone CR is
/// data); a field that starts with '"' is quoted: '""' inside it is one '"',
/// and it may span lines. Lenient where RFC 4180 is strict: a '"' inside an
/// unquoted field is data, text after a closing quote is appended, and an
/// unterminated quoted field ends at end of input.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace vault::cli::scan {

struct CsvField {
  std::string value;          ///< decoded content
  std::uint64_t line = 1;     ///< 1-based physical line where the content starts
  std::uint64_t column = 1;   ///< 1-based code-point column where the content starts
  bool verbatim = true;       ///< content equals the raw bytes at (line, column): no quote escapes, no line break
};

class CsvParser {
 public:
  /// Called once per record (an empty line is a record with one empty field).
  using OnRecord = std::function<void(std::vector<CsvField>& record)>;

  /// Parses `data`; emits every record that is complete.
  void feed(std::string_view data, const OnRecord& on_record);
  /// Ends the input: emits the last record if it has content.
  void finish(const OnRecord& on_record);

 private:
  enum class State { FieldStart, Unquoted, Quoted, QuoteInQuoted, AfterCr };
  void start_field();
  void end_field();
  void end_record(const OnRecord& on_record);

  State state_ = State::FieldStart;
  std::vector<CsvField> record_;
  CsvField field_;
  std::uint64_t line_ = 1, column_ = 1;  // position of the next byte
};

/// RFC 4180 text of one record (quotes a field only when needed), no line end.
std::string csv_format_record(const std::vector<std::string>& fields);

}  // namespace vault::cli::scan
