#pragma once
/// Content-Type matching (RFC 9110 §8.3.1): the media type must equal the
/// expected one exactly, case-insensitively; parameters after ';' (e.g.
/// "; charset=utf-8") are allowed, so "application/jsonx" or
/// "application/json-seq" never pass for "application/json".
#include <string_view>

namespace vault::http {

/// The media type of a Content-Type value: before any ';', spaces and tabs
/// trimmed (case preserved).
std::string_view media_type_of(std::string_view content_type);

/// True when `content_type`'s media type is `expected` (case-insensitive).
bool media_type_is(std::string_view content_type, std::string_view expected);

}  // namespace vault::http
