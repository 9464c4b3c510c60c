// `vault anonymize FILE -o OUT`: offline anonymization of a local JSONL,
// JSON, CSV or text file with the PII scanner and the operators of
// include/vault/pii/anonymization/anonymizer.hpp (the same policy structure as a
// dataset's pii_policy). No server is involved; tokenize is therefore not
// available. The output appears only when complete (temporary file + fsync +
// rename); --in-place replaces FILE the same way.
#include "cli/anonymize_engine.hpp"
#include "cli/anonymize_setup.hpp"
#include "cli/commands.hpp"
#include "cli/progress.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/json/serialize.hpp>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>

namespace vault::cli {
namespace {

struct AnonCliOpts {
  std::string input, output, input_format = "auto", key_file, scope = "offline", backup_suffix;
  anon::PolicyOptions policy;
  double min_confidence = -1;  // < 0: the policy's
  std::uint64_t max_json_bytes = 256ull << 20;
  bool in_place = false, backup = false, force = false;
};

struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd > 2) ::close(fd);
  }
};

std::string fixed(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

/// Operator → rewritten spans (success + fallback), fallbacks apart.
std::map<std::string, std::uint64_t> by_operator(const pii::AnonymizeStats& s) {
  std::map<std::string, std::uint64_t> out;
  for (const auto& op : s.operations)
    if (op.status != "skipped") out[op.strategy] += op.count;
  return out;
}

boost::json::object summary_json(const AnonCliOpts& o, scan::InputFormat format, const anon::EngineStats& st,
                                 double seconds, const std::string& output) {
  boost::json::object entities;
  for (const auto& [e, n] : st.findings) entities[e] = n;
  boost::json::object ops;
  for (const auto& [k, n] : by_operator(st.operations)) ops[k] = n;
  boost::json::array operations;
  for (const auto& op : st.operations.operations)
    operations.push_back(boost::json::object{
        {"operator", op.strategy}, {"entity", op.field_type}, {"status", op.status}, {"count", op.count}});
  double mb = static_cast<double>(st.bytes_in) / 1e6;
  return boost::json::object{{"input", o.input},
                             {"output", output},
                             {"format", scan::format_name(format)},
                             {"records", st.records},
                             {"bytes", st.bytes_in},
                             {"seconds", seconds},
                             {"mb_per_s", seconds > 0 ? mb / seconds : 0.0},
                             {"findings", boost::json::object{{"total", st.total_findings()},
                                                              {"entities", std::move(entities)}}},
                             {"operators", std::move(ops)},
                             {"applied", st.operations.applied},
                             {"fallbacks", st.operations.fallbacks},
                             {"skipped", st.operations.skipped},
                             {"operations", std::move(operations)}};
}

void print_summary(std::ostream& out, scan::InputFormat format, const anon::EngineStats& st, double seconds,
                   const std::string& output) {
  double mb = static_cast<double>(st.bytes_in) / 1e6;
  out << "anonymized " << st.records << (format == scan::InputFormat::Text ? " lines" : " records") << " ("
      << scan::format_name(format) << ", " << Progress::human_bytes(static_cast<double>(st.bytes_in)) << ") in "
      << fixed(seconds, 2) << " s (" << fixed(seconds > 0 ? mb / seconds : 0.0, 1) << " MB/s) -> " << output
      << '\n';
  out << "findings: " << st.total_findings();
  for (const auto& [e, n] : st.findings) out << "  " << e << " " << n;
  out << '\n' << "operators:";
  auto ops = by_operator(st.operations);
  if (ops.empty()) out << " none";
  for (const auto& [k, n] : ops) out << "  " << k << " " << n;
  out << "  (fallbacks " << st.operations.fallbacks << ", overlaps skipped " << st.operations.skipped << ")\n";
}

int run_anonymize_command(const Context& ctx, const AnonCliOpts& o) {
  // --- command line ---
  if (o.in_place == !o.output.empty()) return usage_error("give exactly one of -o OUT and --in-place");
  if (o.in_place && o.input == "-") return usage_error("--in-place needs a FILE, not stdin");
  bool backup = o.backup || !o.backup_suffix.empty();
  if (backup && !o.in_place) return usage_error("--backup and --backup-suffix go with --in-place");
  std::string suffix = o.backup_suffix.empty() ? ".bak" : o.backup_suffix;
  if (suffix.find('/') != std::string::npos) return usage_error("--backup-suffix must not contain '/'");
  if (o.scope.empty()) return usage_error("--scope must not be empty");

  scan::InputFormat format{};
  if (!scan::parse_input_format(o.input_format, format))
    return usage_error("unknown --input-format " + o.input_format);
  if (format == scan::InputFormat::Auto) {
    if (o.input != "-") format = scan::format_for_path(o.input);
    else if (!o.output.empty() && o.output != "-") format = scan::format_for_path(o.output);
    else format = scan::InputFormat::Text;
  }

  // --- policy and keys ---
  auto catalogue = pii::Catalogue::defaults();
  anon::PolicyOptions popts = o.policy;
  if (o.min_confidence >= 0) popts.min_confidence = o.min_confidence;
  auto policy = anon::build_policy(popts, catalogue.entities());
  if (!policy) return usage_error(policy.error());
  bool needs_keys = false;
  if (auto e = anon::check_operators(*policy, needs_keys)) return usage_error(*e);
  std::optional<pii::AnonymizerKeys> keys;
  if (needs_keys) {
    auto k = anon::load_keys(o.key_file, o.scope);
    if (!k) return usage_error(k.error());
    keys = std::move(*k);
  }
  pii::AnonymizerContext actx;
  actx.keys = keys ? &*keys : nullptr;
  actx.tenant_id = o.scope;

  // --- input and output ---
  Fd in;
  std::optional<std::uint64_t> size;
  std::optional<mode_t> mode;
  if (o.input == "-") {
    in.fd = STDIN_FILENO;
  } else {
    in.fd = ::open(o.input.c_str(), O_RDONLY | O_CLOEXEC);
    if (in.fd < 0) return usage_error("cannot open " + o.input + ": " + std::strerror(errno));
    struct stat st {};
    if (::fstat(in.fd, &st) == 0) {
      if (S_ISDIR(st.st_mode)) return usage_error(o.input + " is a directory");
      if (S_ISREG(st.st_mode)) size = static_cast<std::uint64_t>(st.st_size);
      mode = st.st_mode & 07777;
    }
  }
  std::string target = o.in_place ? o.input : o.output;
  if (!o.in_place && target != "-") {
    std::error_code ec;
    if (o.input != "-" && anon::same_file(o.input, target))
      return usage_error(target + " is the input file (use --in-place)");
    if (std::filesystem::exists(target, ec) && !o.force)
      return usage_error(target + " exists (use --force to overwrite)");
  }

  auto scanner = pii::Scanner::create(catalogue, {.compile_cache_dir = scanner_cache_dir()});
  if (!scanner) {
    std::cerr << "error: cannot build the PII scanner: " << scanner.error().message() << '\n';
    return exit_code::generic;
  }

  anon::OutputTarget out;
  if (auto e = out.open(target, o.in_place ? mode : std::nullopt)) return usage_error(*e);

  Progress progress("anonymize", !ctx.opts.quiet && ::isatty(STDERR_FILENO) == 1);
  anon::EngineConfig config;
  config.scanner = scanner->get();
  config.policy = &*policy;
  config.context = &actx;
  config.format = format;
  config.display_name = o.input == "-" ? "<stdin>" : o.input;
  config.max_json_bytes = o.max_json_bytes;
  config.on_progress = [&](std::uint64_t done) { progress.update(done, size); };

  anon::FdReader reader(in.fd);
  anon::FdWriter writer(out.fd());
  anon::EngineStats stats;
  auto t0 = std::chrono::steady_clock::now();
  auto failure = anon::run_anonymize(reader, writer, config, stats);
  if (failure) {
    out.abort();
    std::cout.flush();
    if (::isatty(STDERR_FILENO) == 1 && !ctx.opts.quiet) std::cerr << '\n';
    std::cerr << "error: " << failure->message << '\n';
    if (out.is_stdout() && writer.written() > 0)
      std::cerr << "note: the output already holds the part before the failure; discard it\n";
    return failure->exit_code;
  }
  if (auto e = out.commit(o.in_place && backup ? o.input + suffix : std::string())) {
    std::cerr << "error: " << *e << '\n';
    return exit_code::generic;
  }
  progress.finish();
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  std::string shown = target == "-" ? "<stdout>" : target;
  if (ctx.format() == Format::Json) {
    auto doc = boost::json::serialize(summary_json(o, format, stats, seconds, shown));
    (out.is_stdout() ? std::cerr : std::cout) << doc << '\n';
  } else if (!ctx.opts.quiet) {
    print_summary(std::cerr, format, stats, seconds, shown);
  }
  return exit_code::ok;
}

}  // namespace

void add_anonymize_command(CLI::App& root, Context& ctx) {
  auto o = std::make_shared<AnonCliOpts>();
  auto* c = root.add_subcommand(
      "anonymize", "Anonymize PII in a local file (offline; JSONL, JSON, CSV, text) with a policy or one operator");
  c->footer(
      "Operators: keep, redact, replace (default), mask, hash, pseudonymize, fpe, generalize, encrypt\n"
      "(parameters: docs/api.md#pii; tokenize needs the server's token vault and is refused).\n"
      "hash, pseudonymize, fpe and encrypt need a key: --key-file (vault keygen) or VAULT_ANONYMIZE_KEY\n"
      "(64 hex digits); the keys are derived per --scope, so pseudonyms are consistent within a scope.\n"
      "A policy file has the structure of a dataset's pii_policy; its action is ignored except reject\n"
      "(exit 1 at the first finding, naming file:line and JSON path or CSV column, never the value).\n"
      "Formats by extension: .jsonl/.ndjson, .json (whole document), .csv (header names are context),\n"
      "anything else is text (line by line). Lines with findings are re-serialized (JSON compact,\n"
      "CSV minimally quoted); other lines are copied byte for byte.\n"
      "Exit codes: 0 done, 1 invalid input (e.g. a JSONL line that is not JSON), a rejected finding or an\n"
      "I/O error (no output file is left behind), 2 usage error (also: a missing key, tokenize).\n");
  c->add_option("file", o->input, "file to anonymize, or - for stdin")->required();
  auto* out = c->add_option("-o,--output", o->output, "file to write (appears only when complete), or - for stdout");
  auto* inplace = c->add_flag("--in-place", o->in_place, "replace FILE atomically (temp file, fsync, rename)");
  out->excludes(inplace);
  c->add_flag("--backup", o->backup, "with --in-place: keep the original as FILE.bak");
  c->add_option("--backup-suffix", o->backup_suffix, "with --in-place: keep the original as FILE<SUFFIX>");
  c->add_flag("-f,--force", o->force, "overwrite an existing output file");
  auto* strategy = c->add_option("--strategy", o->policy.strategy, "one operator for every entity (default: replace)");
  c->add_option("--param", o->policy.params, "operator parameter KEY=VALUE (repeatable), e.g. keep_last=4");
  auto* op = c->add_option("--operator", o->policy.operator_json,
                           "operator for every entity as JSON, e.g. '{\"operator\":\"mask\",\"keep_last\":4}' or @FILE");
  strategy->excludes(op);
  c->add_option("--policy", o->policy.policy_file, "policy file (YAML, or JSON for *.json): action, entities, rules");
  c->add_option("--entities", o->policy.entities, "only these entities, comma-separated (overrides the policy)")
      ->delimiter(',');
  c->add_option("--min-confidence", o->min_confidence, "ignore findings scored below X (default: the policy's, 0.5)")
      ->check(CLI::Range(0.0, 1.0));
  c->add_option("--key-file", o->key_file, "32-byte key file (vault keygen) for hash/pseudonymize/fpe/encrypt");
  c->add_option("--scope", o->scope, "key scope: the same key and scope give the same pseudonyms")
      ->capture_default_str();
  c->add_option("--input-format", o->input_format, "auto (by extension), jsonl, json, csv or text")
      ->check(CLI::IsMember({"auto", "jsonl", "json", "csv", "text"}))
      ->capture_default_str();
  c->add_option("--max-json-bytes", o->max_json_bytes, "largest .json document read whole (default 256MiB)")
      ->transform(CLI::AsSizeValue(false));
  c->callback([&ctx, o] { ctx.action = [&ctx, o] { return run_anonymize_command(ctx, *o); }; });
}

}  // namespace vault::cli
