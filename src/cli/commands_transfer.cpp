// `vault records import FILE` and `vault records export`: streamed JSONL with
// progress on stderr; memory stays constant whatever the size.
#include "cli/commands.hpp"
#include "cli/progress.hpp"

#include <boost/json/parse.hpp>
#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <memory>

namespace vault::cli {
namespace {

struct FileCloser {
  void operator()(std::FILE* f) const {
    if (f && f != stdin && f != stdout) std::fclose(f);
  }
};
using File = std::unique_ptr<std::FILE, FileCloser>;

struct TransferOpts {
  std::string dataset, file, output;
  int version = 0;
};

/// Table rendering of the import answer: counts, then the per-line errors.
void print_import_result(const boost::json::object& r) {
  auto num = [&](const char* k) {
    const auto* v = r.if_contains(k);
    return v && v->is_number() ? v->to_number<std::int64_t>() : std::int64_t{0};
  };
  std::cout << "imported " << num("imported") << ", failed " << num("failed") << ", lines " << num("lines")
            << '\n';
  if (const auto* errs = r.if_contains("errors"); errs && errs->is_array() && !errs->get_array().empty()) {
    print_table(std::cout, errs->get_array(),
                {{"line", "line"}, {"code", "code"}, {"type", "type"}, {"message", "message", 80}});
    if (const auto* t = r.if_contains("errors_truncated"); t && t->is_bool() && t->get_bool())
      std::cout << "(more errors not listed)\n";
  }
}

int run_import(const Context& ctx, const TransferOpts& o) {
  File in;
  std::optional<std::uint64_t> size;
  if (o.file == "-") {
    in.reset(stdin);
  } else {
    in.reset(std::fopen(o.file.c_str(), "rb"));
    if (!in) return usage_error("cannot open " + o.file + ": " + std::strerror(errno));
    struct stat st {};
    if (::fstat(::fileno(in.get()), &st) == 0 && S_ISREG(st.st_mode)) size = static_cast<std::uint64_t>(st.st_size);
  }
  Progress progress("import", !ctx.opts.quiet);
  auto r = ctx.client().upload(dataset_path(o.dataset) + "/records:import", in.get(), size,
                               "application/x-ndjson",
                               [&](std::uint64_t done, std::optional<std::uint64_t> total) { progress.update(done, total); });
  progress.finish();
  if (!r) return report_transport_error(r.error());
  if (!r->ok()) return report_http_error(*r);
  boost::system::error_code ec;
  auto v = boost::json::parse(r->body, ec);
  if (ec || !v.is_object()) {
    std::cerr << "error: the server answered with invalid JSON\n";
    return exit_code::generic;
  }
  if (ctx.format() == Format::Json) {
    std::cout << r->body;
    if (r->body.back() != '\n') std::cout << '\n';
  } else {
    print_import_result(v.get_object());
  }
  const auto* failed = v.get_object().if_contains("failed");
  if (failed && failed->is_number() && failed->to_number<std::int64_t>() > 0) {
    std::cerr << "error: " << failed->to_number<std::int64_t>() << " line(s) were not imported\n";
    return exit_code::generic;
  }
  return exit_code::ok;
}

int run_export(const Context& ctx, const TransferOpts& o) {
  File out;
  bool to_file = !o.output.empty() && o.output != "-";
  if (to_file) {
    out.reset(std::fopen(o.output.c_str(), "wb"));
    if (!out) return usage_error("cannot create " + o.output + ": " + std::strerror(errno));
  } else {
    out.reset(stdout);
  }
  Progress progress("export", !ctx.opts.quiet);
  std::string path = dataset_path(o.dataset) + "/records:export" +
                     query_string({{"version", o.version > 0 ? std::to_string(o.version) : ""}});
  auto r = ctx.client().download(path, out.get(),
                                 [&](std::uint64_t done, std::optional<std::uint64_t> total) { progress.update(done, total); });
  bool flushed = std::fflush(out.get()) == 0;
  int rc = exit_code::ok;
  if (!r) {
    rc = report_transport_error(r.error());
  } else if (!r->ok()) {
    rc = report_http_error(*r);
  } else if (!flushed) {
    std::cerr << "error: writing the output failed\n";
    rc = exit_code::generic;
  }
  if (rc == exit_code::ok) progress.finish();
  if (to_file) {
    if (out && std::fclose(out.release()) != 0 && rc == exit_code::ok) {
      std::cerr << "error: writing " << o.output << " failed\n";
      rc = exit_code::generic;
    }
    if (rc != exit_code::ok) std::remove(o.output.c_str());  // never leave a partial export behind
  }
  return rc;
}

}  // namespace

void add_record_transfer_commands(CLI::App& records, Context& ctx) {
  {
    auto o = std::make_shared<TransferOpts>();
    auto* c = records.add_subcommand("import", "Stream a JSONL file into a dataset (exit 1 if any line failed)");
    c->add_option("dataset", o->dataset, "dataset id")->required();
    c->add_option("file", o->file, "JSONL file, or - for stdin")->required();
    c->callback([&ctx, o] { ctx.action = [&ctx, o] { return run_import(ctx, *o); }; });
  }
  {
    auto o = std::make_shared<TransferOpts>();
    auto* c = records.add_subcommand("export", "Stream a dataset's records as JSONL");
    c->add_option("dataset", o->dataset, "dataset id")->required();
    c->add_option("--version", o->version, "export as of this version")->check(CLI::PositiveNumber);
    c->add_option("-o,--output", o->output, "write to FILE instead of stdout");
    c->callback([&ctx, o] { ctx.action = [&ctx, o] { return run_export(ctx, *o); }; });
  }
}

}  // namespace vault::cli
