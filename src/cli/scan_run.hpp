#pragma once
/// The scanning engine of `vault scan`: one reader (the calling thread)
/// cuts the inputs into tasks (JSONL line batches, text windows, CSV record
/// batches, whole JSON documents), a pool of worker threads scans them with
/// one shared Scanner, and the results are emitted in input order, so the
/// output does not depend on the number of threads.
#include "cli/scan_files.hpp"
#include "cli/scan_report.hpp"
#include "vault/pii/detection/scanner.hpp"

#include <string>
#include <vector>

namespace vault::cli::scan {

struct ScanConfig {
  InputFormat input_format = InputFormat::Auto;
  unsigned threads = 1;
  pii::ScanOptions options;
  bool show_values = false;
  bool progress = false;   ///< progress bar on stderr
};

/// Scans `inputs.files`: every finding goes to `writer` in output order as
/// soon as it and all before it are done (memory stays bounded whatever the
/// number of findings); `report` gets files, skipped, counts and timings
/// (the caller then calls writer.end). Returns false when a file could not
/// be read (listed in report.skipped and printed to stderr); the other files
/// are still scanned.
bool run_scan(const pii::Scanner& scanner, const WalkResult& inputs, const ScanConfig& config, Report& report,
              ReportWriter& writer);

/// `value` as it appears inside a JSON string literal written by a typical
/// serializer: `ascii` escapes non-ASCII as \uXXXX (Python's default).
std::string json_escaped(std::string_view value, bool ascii);

}  // namespace vault::cli::scan
