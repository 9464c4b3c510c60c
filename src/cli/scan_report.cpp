// Table, JSON and SARIF renderings of `vault scan` results (see scan_report.hpp).
#include "cli/scan_report.hpp"

#include "cli/context.hpp"
#include "cli/progress.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <ostream>

namespace vault::cli::scan {

std::uint64_t Report::bytes() const {
  std::uint64_t n = 0;
  for (const auto& f : files) n += f.bytes;
  return n;
}

std::string mask_value(std::string_view value) {
  std::size_t cps = 0;
  for (unsigned char c : value) cps += (c & 0xC0) != 0x80;
  std::size_t keep = cps >= 8 ? 2 : cps >= 4 ? 1 : 0;
  std::string out;
  std::size_t seen = 0;
  for (std::size_t i = 0; i < value.size(); ++i) {
    auto c = static_cast<unsigned char>(value[i]);
    if ((c & 0xC0) != 0x80 && seen++ == keep) break;
    out.push_back(c < 0x20 || c == 0x7f ? ' ' : static_cast<char>(c));
  }
  return out + "***";
}

namespace {

std::string num(std::uint64_t v) { return std::to_string(v); }

std::string score_text(double s) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%.2f", s);
  return buf;
}

const char* sarif_level(double score) { return score >= 0.85 ? "error" : score >= 0.5 ? "warning" : "note"; }

std::string printable(std::string s) {
  for (auto& c : s)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  return s;
}

}  // namespace

std::string location_text(const Hit& h, InputFormat format) {
  std::string lc = h.line ? num(h.line) + (h.column ? ":" + num(h.column) : "") : "";
  switch (format) {
    case InputFormat::Csv:
      return "row " + num(h.row) + " [" + printable(h.column_name) + "]" + (lc.empty() ? "" : " (" + lc + ")");
    case InputFormat::Json:
    case InputFormat::Jsonl:
      if (h.offset < 0) return lc.empty() ? (h.pointer.empty() ? "/" : h.pointer) : lc + " " + (h.pointer.empty() ? "/" : h.pointer);
      [[fallthrough]];
    default:
      return lc;
  }
}

namespace {

void pad_to(std::ostream& out, const std::string& text, std::size_t width) {
  std::size_t w = 0;
  for (unsigned char c : text) w += (c & 0xC0) != 0x80;
  out << text;
  for (; w < width; ++w) out << ' ';
}

std::string clip(std::string s, std::size_t width) {
  std::size_t w = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80 && ++w > width) {
      s.resize(i);
      return s + "\u2026";
    }
  }
  return s;
}

class TableWriter : public ReportWriter {
 public:
  TableWriter(std::ostream& out, bool show_values, std::size_t file_width, std::size_t entity_width)
      : out_(out), show_(show_values), fw_(std::clamp<std::size_t>(file_width, 4, 60)),
        ew_(std::max<std::size_t>(entity_width, 6)) {}

  void hit(const Hit& h, const ScannedFile& f) override {
    if (!header_) {
      row("FILE", "LOCATION", "ENTITY", "SCORE", show_ ? "VALUE" : "PREVIEW");
      header_ = true;
    }
    row(f.path, location_text(h, f.format), h.entity, score_text(h.score), show_ ? printable(h.value) : h.preview);
  }

  void end(const Report& r) override {
    if (header_) out_ << '\n';
    for (const auto& [path, reason] : r.skipped) out_ << "skipped: " << path << " (" << reason << ")\n";
    std::string by;
    for (const auto& [e, n] : r.by_entity) by += (by.empty() ? "" : ", ") + e + " " + num(n);
    out_ << r.findings << (r.findings == 1 ? " finding" : " findings") << (by.empty() ? "" : " (" + by + ")")
         << " in " << r.files.size() << (r.files.size() == 1 ? " file" : " files") << "; " << r.skipped.size()
         << " skipped, " << r.excluded << " excluded; " << Progress::human_bytes(static_cast<double>(r.bytes()))
         << " in ";
    char secs[32];
    std::snprintf(secs, sizeof secs, "%.2fs", r.elapsed_seconds);
    out_ << secs << '\n';
  }

 private:
  void row(const std::string& file, const std::string& loc, const std::string& entity, const std::string& score,
           const std::string& preview) {
    pad_to(out_, clip(printable(file), fw_), fw_);
    out_ << "  ";
    pad_to(out_, clip(loc, 40), 24);
    out_ << "  ";
    pad_to(out_, entity, ew_);
    out_ << "  ";
    pad_to(out_, score, 5);
    out_ << "  " << clip(preview, 60) << '\n';
  }

  std::ostream& out_;
  bool show_;
  std::size_t fw_, ew_;
  bool header_ = false;
};

class JsonWriter : public ReportWriter {
 public:
  JsonWriter(std::ostream& out, bool show_values) : out_(out), show_(show_values) { out_ << "{\"findings\":["; }

  void hit(const Hit& h, const ScannedFile& f) override {
    boost::json::object o{{"file", f.path}, {"format", format_name(f.format)}, {"entity", h.entity},
                          {"score", h.score}, {"recognizer", h.recognizer}};
    if (h.line) o["line"] = h.line;
    if (h.column) o["column"] = h.column;
    if (h.end_line && h.end_line != h.line) o["end_line"] = h.end_line;
    if (h.end_column) o["end_column"] = h.end_column;
    if (h.offset >= 0) o["offset"] = h.offset;
    if ((f.format == InputFormat::Json || f.format == InputFormat::Jsonl) && h.offset < 0) o["pointer"] = h.pointer;
    if (f.format == InputFormat::Csv) {
      o["row"] = h.row;
      o["column_name"] = h.column_name;
    }
    o["preview"] = h.preview;
    if (show_) o["value"] = h.value;
    out_ << (first_ ? "" : ",") << boost::json::serialize(o);
    first_ = false;
  }

  void end(const Report& r) override {
    boost::json::object by;
    for (const auto& [e, n] : r.by_entity) by[e] = n;
    boost::json::array skipped;
    for (const auto& [path, reason] : r.skipped)
      skipped.push_back(boost::json::object{{"file", path}, {"reason", reason}});
    double mbps = r.elapsed_seconds > 0 ? static_cast<double>(r.bytes()) / r.elapsed_seconds / 1e6 : 0.0;
    boost::json::object summary{{"findings", r.findings},
                                {"by_entity", std::move(by)},
                                {"files_scanned", r.files.size()},
                                {"files_skipped", r.skipped.size()},
                                {"files_excluded", r.excluded},
                                {"parse_errors", r.parse_errors},
                                {"bytes", r.bytes()},
                                {"elapsed_seconds", r.elapsed_seconds},
                                {"compile_seconds", r.compile_seconds},
                                {"mb_per_second", mbps},
                                {"threads", r.threads}};
    out_ << "],\"summary\":" << boost::json::serialize(summary)
         << ",\"skipped\":" << boost::json::serialize(skipped) << "}\n";
  }

 private:
  std::ostream& out_;
  bool show_;
  bool first_ = true;
};

class SarifWriter : public ReportWriter {
 public:
  SarifWriter(std::ostream& out, bool show_values, std::vector<std::string> entities)
      : out_(out), show_(show_values) {
    std::sort(entities.begin(), entities.end());
    boost::json::array rules;
    for (const auto& e : entities) {
      index_[e] = rules.size();
      rules.push_back(boost::json::object{
          {"id", e},
          {"name", e},
          {"shortDescription", {{"text", e + " detected"}}},
          {"fullDescription", {{"text", "The PII/secret scanner found a value recognized as " + e + "."}}},
          {"defaultConfiguration", {{"level", "warning"}}}});
    }
    boost::json::object driver{{"name", "vault"}, {"version", kCliVersion}, {"semanticVersion", kCliVersion},
                               {"rules", std::move(rules)}};
    out_ << "{\"$schema\":\"https://json.schemastore.org/sarif-2.1.0.json\",\"version\":\"2.1.0\","
            "\"runs\":[{\"tool\":"
         << boost::json::serialize(boost::json::object{{"driver", std::move(driver)}})
         << ",\"columnKind\":\"unicodeCodePoints\",\"results\":[";
  }

  void hit(const Hit& h, const ScannedFile& f) override {
    boost::json::object region;
    if (h.line) region["startLine"] = h.line;
    if (h.line && h.column) region["startColumn"] = h.column;
    if (h.end_line && h.end_line != h.line) region["endLine"] = h.end_line;
    if (h.line && h.end_column) region["endColumn"] = h.end_column;
    boost::json::object phys{{"artifactLocation", {{"uri", path_to_uri(f.path)}}}};
    if (!region.empty()) phys["region"] = std::move(region);
    boost::json::object loc{{"physicalLocation", std::move(phys)}};
    std::string where;
    if (f.format == InputFormat::Csv) {
      where = "row " + num(h.row) + ", column " + h.column_name;
      loc["logicalLocations"] = boost::json::array{{{"name", h.column_name}, {"kind", "member"}}};
    } else if ((f.format == InputFormat::Json || f.format == InputFormat::Jsonl) && h.offset < 0) {
      where = "value " + (h.pointer.empty() ? std::string("/") : h.pointer);
      loc["logicalLocations"] = boost::json::array{{{"fullyQualifiedName", h.pointer}, {"kind", "member"}}};
    }
    boost::json::object props{{"score", h.score}, {"recognizer", h.recognizer}, {"preview", h.preview}};
    if (show_) props["value"] = h.value;
    std::string msg =
        h.entity + " detected (score " + score_text(h.score) + ")" + (where.empty() ? "" : " in " + where);
    boost::json::object result{{"ruleId", h.entity},
                               {"level", sarif_level(h.score)},
                               {"message", {{"text", msg}}},
                               {"locations", boost::json::array{std::move(loc)}},
                               {"properties", std::move(props)}};
    if (auto it = index_.find(h.entity); it != index_.end()) result["ruleIndex"] = it->second;
    out_ << (first_ ? "" : ",") << boost::json::serialize(result);
    first_ = false;
  }

  void end(const Report&) override { out_ << "]}]}\n"; }

 private:
  std::ostream& out_;
  bool show_;
  bool first_ = true;
  std::map<std::string, std::size_t> index_;
};

}  // namespace

std::unique_ptr<ReportWriter> table_writer(std::ostream& out, bool show_values, std::size_t file_width,
                                           std::size_t entity_width) {
  return std::make_unique<TableWriter>(out, show_values, file_width, entity_width);
}

std::unique_ptr<ReportWriter> json_writer(std::ostream& out, bool show_values) {
  return std::make_unique<JsonWriter>(out, show_values);
}

std::unique_ptr<ReportWriter> sarif_writer(std::ostream& out, bool show_values, std::vector<std::string> entities) {
  return std::make_unique<SarifWriter>(out, show_values, std::move(entities));
}

std::string path_to_uri(const std::string& path) {
  static const char* hex = "0123456789ABCDEF";
  std::string out = path.starts_with("/") ? "file://" : "";
  for (unsigned char c : path) {
    if (std::isalnum(c) || std::string_view("-._~/!$&'()*+,;=:@").find(static_cast<char>(c)) != std::string_view::npos) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 15]);
    }
  }
  return out;
}

}  // namespace vault::cli::scan
