// A tiny reader for the subset of TOML that gitleaks rule files use:
// [[rules]] tables with string / number / string-array values. Other tables
// ([allowlist], [rules.allowlist], [extend], ...) are skipped.
#include "vault/pii/detection/catalogue.hpp"

#include "text_util.hpp"

#include <charconv>

namespace vault::pii {
namespace {

struct Reader {
  std::string_view s;
  std::size_t i = 0;
  int line = 1;

  bool eof() const { return i >= s.size(); }
  void skip_ws_comments(bool newlines) {
    while (!eof()) {
      char c = s[i];
      if (c == ' ' || c == '\t' || c == '\r') ++i;
      else if (c == '\n' && newlines) ++i, ++line;
      else if (c == '#') {
        while (!eof() && s[i] != '\n') ++i;
      } else break;
    }
  }
  Status error(std::string what) const {
    return fail(ErrorKind::Validation, "gitleaks toml: " + what + " at line " + std::to_string(line));
  }
  Result<std::string> string_value() {
    if (s.substr(i).starts_with("'''")) {
      i += 3;
      if (!eof() && s[i] == '\n') ++i, ++line;
      auto end = s.find("'''", i);
      if (end == std::string_view::npos) return std::unexpected(error("unterminated ''' string").error());
      std::string out(s.substr(i, end - i));
      for (char c : out) line += c == '\n';
      i = end + 3;
      return out;
    }
    bool multi = s.substr(i).starts_with("\"\"\"");
    char q = s[i];
    if (q == '\'') {
      auto end = s.find('\'', i + 1);
      if (end == std::string_view::npos) return std::unexpected(error("unterminated string").error());
      std::string out(s.substr(i + 1, end - i - 1));
      i = end + 1;
      return out;
    }
    i += multi ? 3 : 1;
    if (multi && !eof() && s[i] == '\n') ++i, ++line;
    std::string out;
    while (true) {
      if (eof()) return std::unexpected(error("unterminated string").error());
      if (multi ? s.substr(i).starts_with("\"\"\"") : s[i] == '"') {
        i += multi ? 3 : 1;
        return out;
      }
      char c = s[i++];
      if (c == '\n') {
        if (!multi) return std::unexpected(error("newline in string").error());
        ++line;
      }
      if (c != '\\') {
        out.push_back(c);
        continue;
      }
      if (eof()) return std::unexpected(error("bad escape").error());
      char e = s[i++];
      switch (e) {
        case 'n': out.push_back('\n'); break;
        case 't': out.push_back('\t'); break;
        case 'r': out.push_back('\r'); break;
        case '"': out.push_back('"'); break;
        case '\\': out.push_back('\\'); break;
        case 'u':
        case 'U': {
          std::size_t n = e == 'u' ? 4 : 8;
          if (i + n > s.size()) return std::unexpected(error("bad unicode escape").error());
          unsigned cp = 0;
          std::from_chars(s.data() + i, s.data() + i + n, cp, 16);
          i += n;
          if (cp < 0x80) out.push_back(static_cast<char>(cp));
          else if (cp < 0x800) {
            out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
            out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
          } else {
            out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
            out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
            out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
          }
          break;
        }
        case '\n':  // line continuation
          ++line;
          while (!eof() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) line += s[i++] == '\n';
          break;
        default: out.push_back('\\'), out.push_back(e);
      }
    }
  }
  /// Any value; strings and string arrays are returned, others as raw text.
  Result<std::vector<std::string>> value(bool& is_array) {
    skip_ws_comments(false);
    is_array = false;
    if (eof()) return std::unexpected(error("missing value").error());
    if (s[i] == '"' || s[i] == '\'') {
      auto v = string_value();
      if (!v) return std::unexpected(v.error());
      return std::vector<std::string>{std::move(*v)};
    }
    if (s[i] == '[') {
      is_array = true;
      ++i;
      std::vector<std::string> items;
      while (true) {
        skip_ws_comments(true);
        if (eof()) return std::unexpected(error("unterminated array").error());
        if (s[i] == ']') {
          ++i;
          return items;
        }
        if (s[i] == ',') {
          ++i;
          continue;
        }
        bool nested = false;
        auto v = value(nested);
        if (!v) return v;
        for (auto& x : *v) items.push_back(std::move(x));
      }
    }
    if (s[i] == '{') {  // inline table: skip
      int depth = 0;
      while (!eof()) {
        char c = s[i++];
        if (c == '{') ++depth;
        if (c == '}' && --depth == 0) break;
      }
      return std::vector<std::string>{};
    }
    std::size_t b = i;
    while (!eof() && s[i] != '\n' && s[i] != '#' && s[i] != ',' && s[i] != ']') ++i;
    std::string raw(s.substr(b, i - b));
    while (!raw.empty() && (raw.back() == ' ' || raw.back() == '\t' || raw.back() == '\r')) raw.pop_back();
    return std::vector<std::string>{raw};
  }
};

}  // namespace

Result<std::vector<RecognizerSpec>> parse_gitleaks_toml(std::string_view toml, std::string_view entity) {
  Reader r{toml};
  std::vector<RecognizerSpec> out;
  bool in_rule = false;
  while (true) {
    r.skip_ws_comments(true);
    if (r.eof()) break;
    if (toml[r.i] == '[') {
      auto end = toml.find('\n', r.i);
      std::string_view header = toml.substr(r.i, end == std::string_view::npos ? std::string_view::npos : end - r.i);
      if (auto hash = header.find('#'); hash != std::string_view::npos) header = header.substr(0, hash);
      while (!header.empty() && (header.back() == ' ' || header.back() == '\r')) header.remove_suffix(1);
      in_rule = header == "[[rules]]";
      if (in_rule) {
        RecognizerSpec spec;
        spec.entity = std::string(entity);
        out.push_back(std::move(spec));
      }
      r.i = end == std::string_view::npos ? toml.size() : end;
      continue;
    }
    std::size_t kb = r.i;
    while (!r.eof() && toml[r.i] != '=' && toml[r.i] != '\n') ++r.i;
    if (r.eof() || toml[r.i] != '=') return std::unexpected(r.error("expected key = value").error());
    std::string key(toml.substr(kb, r.i - kb));
    while (!key.empty() && (key.back() == ' ' || key.back() == '\t')) key.pop_back();
    if (key.size() >= 2 && (key.front() == '"' || key.front() == '\'')) key = key.substr(1, key.size() - 2);
    ++r.i;
    bool is_array = false;
    auto v = r.value(is_array);
    if (!v) return std::unexpected(v.error());
    if (!in_rule || out.empty()) continue;
    auto& spec = out.back();
    if (key == "id" && !v->empty()) spec.name = "gitleaks:" + v->front();
    else if (key == "regex" && !v->empty()) {
      PatternSpec p;
      p.regex = v->front();
      p.score = 0.8;
      p.left = p.right = Boundary::None;
      spec.patterns.push_back(std::move(p));
    } else if (key == "keywords") {
      for (auto& k : *v) spec.required_keywords.push_back(util::to_lower(k));
    } else if (key == "entropy" && !v->empty()) {
      double e = 0;
      auto& t = v->front();
      std::from_chars(t.data(), t.data() + t.size(), e);
      spec.min_entropy = e;
    }
  }
  // Rules without a regex (path-only rules) cannot scan content.
  std::erase_if(out, [](const RecognizerSpec& s) { return s.patterns.empty(); });
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (out[i].name.empty()) out[i].name = "gitleaks:rule" + std::to_string(i);
    out[i].patterns[0].name = out[i].name;
  }
  return out;
}

}  // namespace vault::pii
