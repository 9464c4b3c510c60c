#include "cli/anonymize_engine.hpp"

#include "cli/scan_csv.hpp"
#include "vault/core/strict_json.hpp"

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <cstring>

namespace vault::cli::anon {

std::uint64_t EngineStats::total_findings() const {
  std::uint64_t n = 0;
  for (const auto& [_, c] : findings) n += c;
  return n;
}

namespace {

constexpr std::size_t kMaxSegment = 64;

bool safe_segment(std::string_view seg, const pii::Scanner& scanner) {
  return seg.size() <= kMaxSegment && scanner.scan_text(seg).empty();
}

/// Input nesting the offline tools accept (the server allows 64).
constexpr std::size_t kMaxInputDepth = 512;

bool blank(std::string_view s) { return s.find_first_not_of(" \t") == std::string_view::npos; }

class Runner {
 public:
  Runner(FdReader& in, FdWriter& out, const EngineConfig& c, EngineStats& st)
      : in_(in), out_(out), c_(c), st_(st), scanner_(*c.scanner), policy_(*c.policy),
        opts_(policy_.scan_options()), reject_(policy_.action == pii::PolicyAction::Reject) {}

  std::optional<EngineFailure> run() {
    std::optional<EngineFailure> f;
    switch (c_.format) {
      case scan::InputFormat::Json: f = json(); break;
      case scan::InputFormat::Csv: f = csv(); break;
      case scan::InputFormat::Text: f = text(); break;
      default: f = jsonl(); break;
    }
    st_.bytes_in = in_.consumed();
    if (f) return f;
    if (in_.error() != 0)
      return EngineFailure{1, "cannot read " + c_.display_name + ": " + std::strerror(in_.error())};
    if (!out_.flush()) return write_failure();
    progress();
    return std::nullopt;
  }

 private:
  EngineFailure write_failure() const {
    return EngineFailure{1, std::string("cannot write the output: ") + std::strerror(out_.error())};
  }
  EngineFailure rejected(const std::string& where, const std::string& entity) const {
    return EngineFailure{1, where + ": " + entity +
                                " found; the policy rejects input with PII (action reject); nothing was written"};
  }
  void progress() {
    if (c_.on_progress) c_.on_progress(in_.consumed());
  }
  std::string at_line(std::uint64_t line) const { return c_.display_name + ":" + std::to_string(line); }
  /// Invalid JSON, or JSON with a repeated key (never echoed unless name-like).
  static EngineFailure not_json(const std::string& where, const Error& e) {
    if (e.kind() == ErrorKind::MalformedRequest) {
      const auto* reason = e.details().if_contains("reason");
      return EngineFailure{1, where + ": not valid JSON (" +
                                  (reason && reason->is_string() ? std::string(reason->get_string()) : e.message()) +
                                  "); nothing was written"};
    }
    return EngineFailure{1, where + ": " + e.message() + "; nothing was written"};
  }

  template <class F>
  void keep_in_scope(std::vector<F>& found) {
    std::erase_if(found, [&](const F& f) {
      if constexpr (std::is_same_v<F, pii::JsonFinding>) return !policy_.applies_to(f.finding);
      else return !policy_.applies_to(f);
    });
  }

  bool all_keep(const std::vector<pii::JsonFinding>& found) const {
    return std::all_of(found.begin(), found.end(), [&](const pii::JsonFinding& f) {
      return policy_.operator_for(f.finding.entity).kind == pii::OperatorKind::Keep;
    });
  }

  std::optional<EngineFailure> jsonl() {
    std::string line;
    bool nl = false;
    std::uint64_t line_no = 0;
    static thread_local unsigned char buffer[64 * 1024];
    while (in_.next_line(line, nl)) {
      ++line_no;
      std::string_view body = line;
      bool cr = !body.empty() && body.back() == '\r';
      if (cr) body.remove_suffix(1);
      if (blank(body)) {
        out_.write(line);
      } else {
        ++st_.records;
        boost::json::monotonic_resource mr(buffer, sizeof buffer);
        // Strict: with a repeated key the checked value would not be the
        // written bytes (a clean last value would pass the raw line through).
        auto parsed = json_parser_.parse(body, boost::json::storage_ptr(&mr));
        if (!parsed) return not_json(at_line(line_no), parsed.error());
        auto& v = *parsed;
        auto found = scanner_.scan_json(v, opts_);
        keep_in_scope(found);
        if (found.empty()) {
          out_.write(line);
        } else {
          for (const auto& f : found) ++st_.findings[f.finding.entity];
          if (reject_)
            return rejected(at_line(line_no) + " " + safe_pointer(found.front().path, scanner_),
                            found.front().finding.entity);
          auto r = pii::anonymize_json(v, found, policy_, *c_.context);
          if (!r) return EngineFailure{1, at_line(line_no) + ": " + r.error().message()};
          st_.operations.merge(*r);
          if (all_keep(found)) {
            out_.write(line);  // byte for byte: nothing was rewritten
          } else {
            out_.write(boost::json::serialize(v));
            if (cr) out_.write("\r");
          }
        }
      }
      if (nl) out_.write("\n");
      if ((line_no & 1023) == 0) {
        if (out_.error()) return write_failure();
        progress();
      }
    }
    return std::nullopt;
  }

  std::optional<EngineFailure> json() {
    std::string doc;
    while (in_.read_some(doc, 1 << 20) > 0) {
      if (doc.size() > c_.max_json_bytes)
        return EngineFailure{2, c_.display_name + " is larger than --max-json-bytes (" +
                                    std::to_string(c_.max_json_bytes) + " bytes)"};
      progress();
    }
    if (in_.error()) return std::nullopt;  // reported by run()
    st_.records = 1;
    auto parsed = json_parser_.parse(doc);
    if (!parsed) {
      const auto* off = parsed.error().details().if_contains("offset");
      const std::size_t used = off && off->is_uint64()   ? std::min<std::size_t>(off->get_uint64(), doc.size())
                               : off && off->is_int64() ? std::min<std::size_t>(off->get_int64(), doc.size())
                                                        : 0;
      auto line = 1 + std::count(doc.begin(), doc.begin() + static_cast<std::ptrdiff_t>(used), '\n');
      return not_json(off ? at_line(static_cast<std::uint64_t>(line)) : c_.display_name, parsed.error());
    }
    auto v = std::move(*parsed);
    auto found = scanner_.scan_json(v, opts_);
    keep_in_scope(found);
    if (found.empty()) {
      out_.write(doc);
      return std::nullopt;
    }
    for (const auto& f : found) ++st_.findings[f.finding.entity];
    if (reject_)
      return rejected(c_.display_name + " " + safe_pointer(found.front().path, scanner_),
                      found.front().finding.entity);
    auto r = pii::anonymize_json(v, found, policy_, *c_.context);
    if (!r) return EngineFailure{1, c_.display_name + ": " + r.error().message()};
    st_.operations.merge(*r);
    if (all_keep(found)) {
      out_.write(doc);
      return std::nullopt;
    }
    doc.clear();
    out_.write(boost::json::serialize(v));
    out_.write("\n");
    return std::nullopt;
  }

  std::optional<EngineFailure> csv() {
    scan::CsvParser parser;
    std::vector<std::string> header;
    bool have_header = false;
    std::optional<EngineFailure> failure;
    std::string eol = "\n";
    bool eol_known = false;
    std::vector<std::string> cells;
    auto on_record = [&](std::vector<scan::CsvField>& rec) {
      if (failure) return;
      cells.clear();
      if (!have_header) {
        for (auto& f : rec) {
          header.push_back(f.value);
          cells.push_back(std::move(f.value));
        }
        have_header = true;
      } else {
        ++st_.records;
        for (std::size_t i = 0; i < rec.size(); ++i) {
          auto& f = rec[i];
          if (f.value.empty()) {
            cells.emplace_back();
            continue;
          }
          std::string name =
              i < header.size() && !header[i].empty() ? header[i] : "column " + std::to_string(i + 1);
          auto found = scanner_.scan_field(name, f.value, opts_);
          keep_in_scope(found);
          if (found.empty()) {
            cells.push_back(std::move(f.value));
            continue;
          }
          for (const auto& x : found) ++st_.findings[x.entity];
          if (reject_) {
            std::string col = safe_segment(name, scanner_) ? name : "column " + std::to_string(i + 1);
            failure = rejected(at_line(f.line) + " column " + col, found.front().entity);
            return;
          }
          auto r = pii::anonymize_text(f.value, found, policy_, *c_.context, &st_.operations);
          if (!r) {
            failure = EngineFailure{1, at_line(f.line) + ": " + r.error().message()};
            return;
          }
          cells.push_back(std::move(*r));
        }
      }
      out_.write(scan::csv_format_record(cells));
      out_.write(eol);
    };
    std::string chunk;
    for (;;) {
      chunk.clear();
      if (in_.read_some(chunk, 1 << 20) == 0) break;
      if (!eol_known) {
        auto nl = chunk.find('\n');
        if (nl != std::string::npos) {
          eol_known = true;
          if (nl > 0 && chunk[nl - 1] == '\r') eol = "\r\n";
        }
      }
      parser.feed(chunk, on_record);
      if (failure) return failure;
      if (out_.error()) return write_failure();
      progress();
    }
    parser.finish(on_record);
    return failure;
  }

  std::optional<EngineFailure> text() {
    std::string line;
    bool nl = false;
    std::uint64_t line_no = 0;
    while (in_.next_line(line, nl)) {
      ++line_no;
      ++st_.records;
      std::string_view body = line;
      bool cr = !body.empty() && body.back() == '\r';
      if (cr) body.remove_suffix(1);
      auto found = blank(body) ? std::vector<pii::Finding>{} : scanner_.scan_text(body, opts_);
      keep_in_scope(found);
      if (found.empty()) {
        out_.write(line);
      } else {
        for (const auto& f : found) ++st_.findings[f.entity];
        if (reject_) return rejected(at_line(line_no), found.front().entity);
        auto r = pii::anonymize_text(body, found, policy_, *c_.context, &st_.operations);
        if (!r) return EngineFailure{1, at_line(line_no) + ": " + r.error().message()};
        out_.write(*r);
        if (cr) out_.write("\r");
      }
      if (nl) out_.write("\n");
      if ((line_no & 1023) == 0) {
        if (out_.error()) return write_failure();
        progress();
      }
    }
    return std::nullopt;
  }

  FdReader& in_;
  FdWriter& out_;
  const EngineConfig& c_;
  EngineStats& st_;
  const pii::Scanner& scanner_;
  const pii::Policy& policy_;
  pii::ScanOptions opts_;
  bool reject_;
  StrictJsonParser json_parser_{{.max_depth = kMaxInputDepth, .allow_invalid_utf8 = true}};
};

}  // namespace

std::string safe_pointer(std::string_view path, const pii::Scanner& scanner) {
  if (path.empty()) return "/";
  std::string out;
  std::size_t start = 1;
  while (start <= path.size()) {
    std::size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    std::string_view seg = path.substr(start, end - start);
    out += '/';
    if (safe_segment(seg, scanner)) out.append(seg);
    else out += '*';
    start = end + 1;
  }
  return out;
}

std::optional<EngineFailure> run_anonymize(FdReader& in, FdWriter& out, const EngineConfig& config,
                                           EngineStats& stats) {
  return Runner(in, out, config, stats).run();
}

}  // namespace vault::cli::anon
