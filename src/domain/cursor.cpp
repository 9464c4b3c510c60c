#include "vault/domain/cursor.hpp"

#include "vault/core/ids.hpp"

#include <charconv>

namespace vault::domain {

std::string encode_cursor(std::string_view kind, std::string_view value) {
  std::string raw(kind);
  raw += ':';
  raw += value;
  return base64url_encode(raw);
}

Result<std::string> decode_cursor(std::string_view kind, std::string_view cursor) {
  std::string raw;
  if (cursor.size() > 1024 || !base64url_decode(cursor, raw) || raw.size() <= kind.size() ||
      !raw.starts_with(kind) || raw[kind.size()] != ':')
    return fail(ErrorKind::InvalidCursor, "the cursor is invalid; use next_cursor from a previous page");
  return raw.substr(kind.size() + 1);
}

Result<std::int64_t> decode_int_cursor(std::string_view kind, std::string_view cursor) {
  auto v = decode_cursor(kind, cursor);
  if (!v) return std::unexpected(v.error());
  std::int64_t n = 0;
  auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
  if (ec != std::errc{} || p != v->data() + v->size() || n < 0)
    return fail(ErrorKind::InvalidCursor, "the cursor is invalid; use next_cursor from a previous page");
  return n;
}

}  // namespace vault::domain
