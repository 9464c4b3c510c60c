#include "ecma_regex.hpp"

#include <re2/re2.h>

#include <cstdio>

namespace vault::domain::schema_detail {
namespace {

constexpr std::string_view kNoBackReferences =
    "back-references (\\1, \\k<name>) are not supported: patterns run on a linear-time engine";
constexpr std::string_view kNoLookaround =
    "lookahead and lookbehind assertions ((?=, (?!, (?<=, (?<!) are not supported: patterns run on a "
    "linear-time engine";
/// ECMA-262 WhiteSpace and LineTerminator code points (\s), as class items.
constexpr std::string_view kSpaceItems =
    "\\t\\n\\x0B\\f\\r \\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}\\x{FEFF}";
/// Any character but an ECMA LineTerminator (.).
constexpr std::string_view kDot = "[^\\n\\r\\x{2028}\\x{2029}]";

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/// Four hex digits at p[i..i+3], or -1.
long hex4(std::string_view p, std::size_t i) {
  if (i + 4 > p.size()) return -1;
  long v = 0;
  for (std::size_t k = i; k < i + 4; ++k) {
    const int d = hex_digit(p[k]);
    if (d < 0) return -1;
    v = v * 16 + d;
  }
  return v;
}

void emit_code_point(std::string& out, long cp) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "\\x{%lX}", cp);
  out += buf;
}

std::string_view describe(RE2::ErrorCode code) {
  switch (code) {
    case RE2::ErrorBadEscape:
      return "invalid escape sequence";
    case RE2::ErrorBadCharClass:
      return "invalid character class";
    case RE2::ErrorBadCharRange:
      return "invalid character class range";
    case RE2::ErrorMissingBracket:
      return "missing ]";
    case RE2::ErrorMissingParen:
      return "missing )";
    case RE2::ErrorUnexpectedParen:
      return "unexpected )";
    case RE2::ErrorTrailingBackslash:
      return "trailing backslash";
    case RE2::ErrorRepeatArgument:
      return "repetition operator without an operand";
    case RE2::ErrorRepeatSize:
      return "repetition count above 1000 (or nested repetitions too large)";
    case RE2::ErrorRepeatOp:
      return "invalid repetition operator";
    case RE2::ErrorBadPerlOp:
      return "unsupported group syntax";
    case RE2::ErrorBadUTF8:
      return "invalid UTF-8";
    case RE2::ErrorBadNamedCapture:
      return "invalid group name";
    case RE2::ErrorPatternTooLarge:
      return "pattern too large";
    default:
      return "invalid pattern";
  }
}

}  // namespace

std::expected<std::string, std::string> ecma_to_re2(std::string_view p) {
  std::string out;
  out.reserve(p.size() + 16);
  bool in_class = false;
  for (std::size_t i = 0; i < p.size(); ++i) {
    const char c = p[i];
    if (c == '\\') {
      if (i + 1 >= p.size()) return std::unexpected("pattern ends with a lone backslash");
      const char e = p[++i];
      if (e >= '1' && e <= '9') {
        if (!in_class) return std::unexpected(std::string(kNoBackReferences));
        return std::unexpected("octal escapes are not supported");
      }
      switch (e) {
        case 'k':
          if (!in_class && i + 1 < p.size() && p[i + 1] == '<') return std::unexpected(std::string(kNoBackReferences));
          out += "\\k";  // RE2 refuses it
          continue;
        case 'u': {
          long cp = hex4(p, i + 1);
          if (cp < 0) return std::unexpected("\\u must be followed by four hex digits");
          i += 4;
          if (cp >= 0xD800 && cp <= 0xDBFF && i + 2 < p.size() && p[i + 1] == '\\' && p[i + 2] == 'u') {
            const long lo = hex4(p, i + 3);
            if (lo >= 0xDC00 && lo <= 0xDFFF) {
              cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
              i += 6;
            }
          }
          if (cp >= 0xD800 && cp <= 0xDFFF) return std::unexpected("unpaired surrogate in a \\u escape");
          emit_code_point(out, cp);
          continue;
        }
        case 'c':
          if (i + 1 < p.size() && ((p[i + 1] >= 'a' && p[i + 1] <= 'z') || (p[i + 1] >= 'A' && p[i + 1] <= 'Z'))) {
            emit_code_point(out, p[++i] % 32);
          } else {
            out += "\\\\c";  // Annex B: a literal backslash and c
          }
          continue;
        case '0':
          if (i + 1 < p.size() && p[i + 1] >= '0' && p[i + 1] <= '9')
            return std::unexpected("octal escapes are not supported");
          out += "\\x00";
          continue;
        case 's':
          if (in_class) {
            out += kSpaceItems;
          } else {
            out += '[';
            out += kSpaceItems;
            out += ']';
          }
          continue;
        case 'S':
          if (in_class) {
            out += "\\S";
          } else {
            out += "[^";
            out += kSpaceItems;
            out += ']';
          }
          continue;
        case 'b':
          out += in_class ? "\\x08" : "\\b";
          continue;
        default:
          // Identity escape of a non-ASCII character: the character itself.
          if (static_cast<unsigned char>(e) >= 0x80) {
            out += e;
          } else {
            out += '\\';
            out += e;
          }
          continue;
      }
    }
    if (in_class) {
      if (c == ']') in_class = false;
      if (c == '[') {
        out += "\\[";  // literal in ECMA classes
        continue;
      }
      out += c;
      continue;
    }
    switch (c) {
      case '[':
        if (p.substr(i, 3) == "[^]") {  // any character
          out += "[\\x00-\\x{10FFFF}]";
          i += 2;
        } else if (p.substr(i, 2) == "[]") {  // no character
          out += "[^\\x00-\\x{10FFFF}]";
          i += 1;
        } else {
          in_class = true;
          out += '[';
          if (i + 1 < p.size() && p[i + 1] == '^') out += p[++i];
        }
        continue;
      case '.':
        out += kDot;
        continue;
      case '(':
        if (p.substr(i, 3) == "(?=" || p.substr(i, 3) == "(?!" || p.substr(i, 4) == "(?<=" ||
            p.substr(i, 4) == "(?<!")
          return std::unexpected(std::string(kNoLookaround));
        if (p.substr(i, 3) == "(?<") {
          out += "(?P<";
          i += 2;
          continue;
        }
        out += c;
        continue;
      default:
        out += c;
    }
  }
  return out;
}

std::expected<std::shared_ptr<const re2::RE2>, std::string> compile_ecma_pattern(std::string_view ecma) {
  auto translated = ecma_to_re2(ecma);
  if (!translated) return std::unexpected(std::move(translated.error()));
  RE2::Options o;
  o.set_encoding(RE2::Options::EncodingUTF8);
  o.set_log_errors(false);  // would print the pattern to stderr
  o.set_never_capture(true);
  o.set_max_mem(kPatternMaxMem);
  o.set_case_sensitive(true);
  o.set_dot_nl(false);
  auto re = std::make_shared<const RE2>(*translated, o);
  if (!re->ok())
    return std::unexpected("pattern is not a valid regular expression (" + std::string(describe(re->error_code())) +
                           "; ECMA-262 syntax without back-references or lookaround)");
  if (re->ProgramSize() > kMaxProgramSize)
    return std::unexpected("pattern is too complex (it compiles to more than " + std::to_string(kMaxProgramSize) +
                           " instructions)");
  return re;
}

bool pattern_search(const re2::RE2& re, std::string_view text) {
  return RE2::PartialMatch(re2::StringPiece(text.data(), text.size()), re);
}

}  // namespace vault::domain::schema_detail
