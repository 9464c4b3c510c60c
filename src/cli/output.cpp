#include "cli/output.hpp"

#include <boost/json/serialize.hpp>

#include <algorithm>
#include <cstdio>
#include <cctype>
#include <ostream>

namespace vault::cli {
namespace {

/// Display width of UTF-8 text (counts code points, good enough for tables).
std::size_t display_width(const std::string& s) {
  return static_cast<std::size_t>(
      std::count_if(s.begin(), s.end(), [](unsigned char c) { return (c & 0xC0) != 0x80; }));
}

std::string clip(std::string s, std::size_t max_width) {
  for (char& c : s)
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  if (max_width == 0 || display_width(s) <= max_width) return s;
  std::string out;
  std::size_t width = 0;
  for (char c : s) {
    bool starts_char = (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    if (starts_char && ++width > max_width - 1) break;
    out += c;
  }
  return out + "\u2026";
}

void pad(std::ostream& out, const std::string& s, std::size_t width) {
  out << s;
  for (std::size_t w = display_width(s); w < width; ++w) out << ' ';
}

}  // namespace

std::string cell_text(const boost::json::value& v) {
  switch (v.kind()) {
    case boost::json::kind::null:
      return "";
    case boost::json::kind::string:
      return std::string(v.get_string());
    case boost::json::kind::array: {
      std::string out;
      for (const auto& e : v.get_array()) {
        if (e.is_object() || e.is_array()) return boost::json::serialize(v);
        if (!out.empty()) out += ",";
        out += cell_text(e);
      }
      return out;
    }
    case boost::json::kind::double_: {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%g", v.get_double());
      return buf;
    }
    default:
      return boost::json::serialize(v);
  }
}

void print_table(std::ostream& out, const boost::json::array& items, const std::vector<Column>& cols) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::size_t> widths;
  std::vector<std::string> header;
  for (const auto& c : cols) {
    std::string h = c.header;
    std::transform(h.begin(), h.end(), h.begin(), [](unsigned char ch) { return static_cast<char>(std::toupper(ch)); });
    header.push_back(h);
    widths.push_back(display_width(h));
  }
  for (const auto& item : items) {
    if (!item.is_object()) continue;
    const auto& obj = item.get_object();
    std::vector<std::string> row;
    for (std::size_t i = 0; i < cols.size(); ++i) {
      const auto* v = obj.if_contains(cols[i].key);
      std::string text = clip(v ? cell_text(*v) : "", cols[i].max_width);
      widths[i] = std::max(widths[i], display_width(text));
      row.push_back(std::move(text));
    }
    rows.push_back(std::move(row));
  }
  auto print_row = [&](const std::vector<std::string>& row) {
    for (std::size_t i = 0; i < row.size(); ++i) {
      if (i + 1 == row.size()) {
        out << row[i];
      } else {
        pad(out, row[i], widths[i]);
        out << "  ";
      }
    }
    out << '\n';
  };
  print_row(header);
  for (const auto& r : rows) print_row(r);
}

void print_object(std::ostream& out, const boost::json::object& obj) {
  std::size_t width = 0;
  for (const auto& kv : obj) width = std::max(width, kv.key().size());
  for (const auto& kv : obj) {
    pad(out, std::string(kv.key()), width);
    out << "  " << clip(cell_text(kv.value()), 0) << '\n';
  }
}

}  // namespace vault::cli
