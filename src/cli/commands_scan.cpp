// `vault scan PATH...`: offline PII/secret scan of local files (JSONL, JSON,
// CSV, plain text) with the built-in recognizer catalogue. No server is
// involved. Reports as a table, JSON or SARIF 2.1.0; matched values are
// masked unless --show-values.
#include "cli/commands.hpp"
#include "cli/scan_run.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <thread>

namespace vault::cli {

std::string scanner_cache_dir() {
  if (const char* v = std::getenv("VAULT_CACHE_DIR")) return v;
  if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x) return std::string(x) + "/vault";
  if (const char* h = std::getenv("HOME"); h && *h) return std::string(h) + "/.cache/vault";
  return {};
}

namespace {

struct ScanCliOpts {
  std::vector<std::string> paths, include, exclude, entities;
  std::string input_format = "auto";
  std::string format;  // empty: the global --format
  unsigned threads = std::max(1u, std::thread::hardware_concurrency());
  double min_confidence = 0.0;
  bool show_values = false;
  bool fail_on_detection = false;
};

int run_scan_command(const Context& ctx, const ScanCliOpts& o) {
  scan::ScanConfig config;
  if (!scan::parse_input_format(o.input_format, config.input_format))
    return usage_error("unknown --input-format " + o.input_format);
  std::string format = o.format.empty() ? ctx.opts.format : o.format;

  auto catalogue = pii::Catalogue::defaults();
  auto known = catalogue.entities();
  for (const auto& e : o.entities)
    if (!std::binary_search(known.begin(), known.end(), e))
      return usage_error("unknown entity " + e + " (known: " + [&] {
        std::string all;
        for (const auto& k : known) all += (all.empty() ? "" : ",") + k;
        return all;
      }() + ")");

  std::string error;
  auto inputs = scan::walk_inputs(o.paths, o.include, o.exclude, error);
  if (!error.empty()) return usage_error(error);

  auto t0 = std::chrono::steady_clock::now();
  auto scanner = pii::Scanner::create(catalogue, {.compile_cache_dir = scanner_cache_dir()});
  if (!scanner) {
    std::cerr << "error: cannot build the PII scanner: " << scanner.error().message() << '\n';
    return exit_code::generic;
  }
  double compile_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  config.threads = o.threads;
  config.options.entities = o.entities;
  config.options.min_score = o.min_confidence;
  config.show_values = o.show_values;
  config.progress = !ctx.opts.quiet && ::isatty(STDERR_FILENO) == 1;

  std::unique_ptr<scan::ReportWriter> writer;
  if (format == "sarif") {
    writer = scan::sarif_writer(std::cout, o.show_values, o.entities.empty() ? (*scanner)->entities() : o.entities);
  } else if (format == "json") {
    writer = scan::json_writer(std::cout, o.show_values);
  } else {
    std::size_t file_width = 0, entity_width = 0;
    for (const auto& f : inputs.files) file_width = std::max(file_width, f.path.size());
    for (const auto& e : (*scanner)->entities()) entity_width = std::max(entity_width, e.size());
    writer = scan::table_writer(std::cout, o.show_values, file_width, entity_width);
  }
  scan::Report report;
  bool ok = scan::run_scan(**scanner, inputs, config, report, *writer);
  report.compile_seconds = compile_seconds;
  writer->end(report);
  std::cout.flush();
  if (!ok) return exit_code::generic;
  if (o.fail_on_detection && report.findings > 0) return exit_code::generic;
  return exit_code::ok;
}

}  // namespace

void add_scan_command(CLI::App& root, Context& ctx) {
  auto o = std::make_shared<ScanCliOpts>();
  auto* c = root.add_subcommand("scan", "Scan local files for PII and secrets (offline; JSONL, JSON, CSV, text)");
  c->footer(
      "Formats by extension: .jsonl/.ndjson, .json, .csv, anything else is text (override: --input-format).\n"
      "Files with a NUL byte in their first 8 KiB are skipped as binary. Globs (fnmatch, '*' also matches '/')\n"
      "are matched against the path relative to the PATH given and against the basename; they apply to files\n"
      "found in directories (a file named on the command line is always scanned); --exclude also prunes\n"
      "directories. Matched values are masked (first characters + ***) unless --show-values.\n"
      "Exit codes: 0 done (findings or not, unless --fail-on-detection), 1 findings with --fail-on-detection,\n"
      "or a file could not be read, 2 usage error or a PATH that does not exist.\n");
  c->add_option("paths", o->paths, "files or directories (recursive)")->required()->expected(-1);
  c->add_option("--include", o->include, "only files matching GLOB (repeatable)");
  c->add_option("--exclude", o->exclude, "skip files and directories matching GLOB (repeatable)");
  c->add_option("--input-format", o->input_format, "auto (by extension), jsonl, json, csv or text")
      ->check(CLI::IsMember({"auto", "jsonl", "json", "csv", "text"}))
      ->capture_default_str();
  c->add_option("--format", o->format, "report: table, json or sarif (default: the global --format)")
      ->check(CLI::IsMember({"table", "json", "sarif"}));
  c->add_option("--threads", o->threads, "scanning threads (default: number of cores)")
      ->check(CLI::Range(1u, 256u))
      ->capture_default_str();
  c->add_option("--entities", o->entities, "only these entities, comma-separated (e.g. EMAIL_ADDRESS,US_SSN)")
      ->delimiter(',');
  c->add_option("--min-confidence", o->min_confidence, "drop findings scored below X (0..1)")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  c->add_flag("--show-values", o->show_values, "print the matched values (default: masked)");
  c->add_flag("--fail-on-detection", o->fail_on_detection, "exit 1 when anything is found");
  c->callback([&ctx, o] { ctx.action = [&ctx, o] { return run_scan_command(ctx, *o); }; });
}

}  // namespace vault::cli
