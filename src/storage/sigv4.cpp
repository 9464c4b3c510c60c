#include "storage/sigv4.hpp"

#include "vault/core/ids.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

namespace vault::storage::sigv4 {
namespace {

constexpr char kHex[] = "0123456789abcdef";

std::string to_hex(const unsigned char* p, std::size_t n) {
  std::string out(n * 2, '0');
  for (std::size_t i = 0; i < n; ++i) {
    out[2 * i] = kHex[p[i] >> 4];
    out[2 * i + 1] = kHex[p[i] & 15];
  }
  return out;
}

std::string hmac(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
       data.size(), out, &len);
  return std::string(reinterpret_cast<const char*>(out), len);
}

std::string trim(std::string_view v) {
  // Leading/trailing spaces removed, inner runs of spaces collapsed to one.
  std::string out;
  bool space = false;
  for (char c : v) {
    if (c == ' ' || c == '\t') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

}  // namespace

std::string uri_encode(std::string_view s, bool keep_slash) {
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
                            c == '_' || c == '.' || c == '~';
    if (unreserved || (keep_slash && c == '/')) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += "0123456789ABCDEF"[c >> 4];
      out += "0123456789ABCDEF"[c & 15];
    }
  }
  return out;
}

std::string canonical_query(const std::map<std::string, std::string>& query) {
  std::map<std::string, std::string> encoded;
  for (const auto& [k, v] : query) encoded[uri_encode(k, false)] = uri_encode(v, false);
  std::string out;
  for (const auto& [k, v] : encoded) {
    if (!out.empty()) out += '&';
    out += k + "=" + v;
  }
  return out;
}

std::string canonical_request(const Request& r) {
  std::string headers, signed_headers;
  for (const auto& [k, v] : r.headers) {
    headers += k + ":" + trim(v) + "\n";
    if (!signed_headers.empty()) signed_headers += ';';
    signed_headers += k;
  }
  return r.method + "\n" + uri_encode(r.path, true) + "\n" + canonical_query(r.query) + "\n" + headers + "\n" +
         signed_headers + "\n" + r.payload_sha256;
}

std::string authorization(const Request& r, const Credentials& c, const std::string& region,
                          const std::string& amz_date, const std::string& service) {
  const std::string day = amz_date.substr(0, 8);
  const std::string scope = day + "/" + region + "/" + service + "/aws4_request";
  const std::string to_sign =
      "AWS4-HMAC-SHA256\n" + amz_date + "\n" + scope + "\n" + vault::sha256_hex(canonical_request(r));
  const std::string key =
      hmac(hmac(hmac(hmac("AWS4" + c.secret_access_key, day), region), service), "aws4_request");
  const std::string sig = hmac(key, to_sign);
  std::string signed_headers;
  for (const auto& [k, v] : r.headers) {
    if (!signed_headers.empty()) signed_headers += ';';
    signed_headers += k;
  }
  return "AWS4-HMAC-SHA256 Credential=" + c.access_key_id + "/" + scope + ", SignedHeaders=" + signed_headers +
         ", Signature=" + to_hex(reinterpret_cast<const unsigned char*>(sig.data()), sig.size());
}

}  // namespace vault::storage::sigv4
