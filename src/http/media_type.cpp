#include "http/media_type.hpp"
#include "http/ascii.hpp"

namespace vault::http {

std::string_view media_type_of(std::string_view v) {
  v = v.substr(0, v.find(';'));
  auto blank = [](char c) { return c == ' ' || c == '\t'; };
  while (!v.empty() && blank(v.front())) v.remove_prefix(1);
  while (!v.empty() && blank(v.back())) v.remove_suffix(1);
  return v;
}

bool media_type_is(std::string_view content_type, std::string_view expected) {
  return iequals(media_type_of(content_type), expected);
}

}  // namespace vault::http
