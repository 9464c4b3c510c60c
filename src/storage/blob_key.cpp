#include "storage/blob_key.hpp"

namespace vault::storage {
namespace {

bool segment_char(char ch) {
  return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
         ch == '.' || ch == '_' || ch == '-';
}

}  // namespace

Status validate_blob_key(std::string_view key) {
  auto bad = [] {
    return fail(ErrorKind::InvalidIdentifier,
                "blob keys are '/'-separated segments of [A-Za-z0-9._-] (no empty, '.' or '..' segment)",
                {{"field", "key"}});
  };
  if (key.empty() || key.size() > 1024) return bad();
  std::size_t start = 0;
  while (start <= key.size()) {
    const auto end = key.find('/', start);
    const auto seg = key.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    if (seg.empty() || seg == "." || seg == "..") return bad();
    for (char ch : seg)
      if (!segment_char(ch)) return bad();
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return {};
}

}  // namespace vault::storage
