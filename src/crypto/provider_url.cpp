#include "crypto/provider_url.hpp"

namespace vault::crypto::detail {
namespace {

int hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool decode(std::string_view in, std::string& out) {
  out.clear();
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '%') {
      if (i + 2 >= in.size()) return false;
      const int hi = hex(in[i + 1]), lo = hex(in[i + 2]);
      if (hi < 0 || lo < 0) return false;
      out.push_back(static_cast<char>(hi << 4 | lo));
      i += 2;
    } else {
      out.push_back(in[i]);
    }
  }
  return true;
}

auto bad(std::string_view why) {
  return fail(ErrorKind::Configuration, "invalid key provider URL: " + std::string(why));
}

}  // namespace

Result<ProviderUrl> parse_provider_url(std::string_view url) {
  ProviderUrl u;
  const auto colon = url.find(':');
  if (colon == std::string_view::npos) {
    u.scheme = std::string(url);
    return u;
  }
  u.scheme = std::string(url.substr(0, colon));
  std::string_view rest = url.substr(colon + 1);
  if (!rest.starts_with("//")) return bad("expected scheme://");
  rest.remove_prefix(2);
  if (!rest.empty() && rest.front() != '/' && rest.front() != '?')
    return bad("a host is not supported; use scheme:///absolute/path");
  const auto q = rest.find('?');
  if (!decode(rest.substr(0, q), u.path)) return bad("bad percent-encoding in path");
  if (q == std::string_view::npos) return u;
  std::string_view query = rest.substr(q + 1);
  while (!query.empty()) {
    const auto amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (pair.empty()) continue;
    const auto eq = pair.find('=');
    std::string k, v;
    if (eq == std::string_view::npos || !decode(pair.substr(0, eq), k) || !decode(pair.substr(eq + 1), v))
      return bad("malformed query parameter");
    u.query[k] = std::move(v);
  }
  return u;
}

}  // namespace vault::crypto::detail
