#pragma once
/// JSON Schema `pattern` (ECMA-262 syntax) on RE2: linear-time matching
/// whatever the pattern and the input (private to json_schema.cpp and its
/// tests).
///
/// The pattern is translated to RE2 syntax where the two differ — `.` (no
/// line terminators: \n \r U+2028 U+2029), `\s`/`\S` (ECMA's Unicode
/// whitespace), `\uXXXX` (surrogate pairs combined), `\cX`, `\0`, `[^]`,
/// `[]`, `\b` inside a class (backspace), `(?<name>...)` — and refused
/// where RE2 cannot follow: back-references (`\1`, `\k<name>`) and lookaround
/// (`(?=`, `(?!`, `(?<=`, `(?<!`). Repetition counts above 1000 and programs
/// above kMaxProgramSize instructions are refused too (they bound the work
/// per input byte). Inside a class, `\S`, `\W`, `\D` keep RE2's (ASCII)
/// meaning.
#include <expected>
#include <memory>
#include <string>
#include <string_view>

namespace re2 {
class RE2;
}

namespace vault::domain::schema_detail {

/// RE2 program instructions allowed for one pattern (the NFA fallback costs
/// O(program size) per input byte).
inline constexpr int kMaxProgramSize = 5000;
/// RE2 memory budget of one pattern (program + DFA cache).
inline constexpr long kPatternMaxMem = 1 << 20;

/// The ECMA pattern in RE2 syntax, or a client-safe reason it is refused.
std::expected<std::string, std::string> ecma_to_re2(std::string_view ecma);

/// Translates and compiles (UTF-8, no captures, errors not logged).
/// Error: a client-safe reason (it never contains input data).
std::expected<std::shared_ptr<const re2::RE2>, std::string> compile_ecma_pattern(std::string_view ecma);

/// Unanchored search (RE2::PartialMatch): JSON Schema semantics.
bool pattern_search(const re2::RE2& re, std::string_view text);

}  // namespace vault::domain::schema_detail
