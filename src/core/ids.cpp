#include "vault/core/ids.hpp"

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <stdexcept>

namespace vault {
namespace {

constexpr char kCrockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
constexpr char kB64Url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

void random_bytes(unsigned char* p, std::size_t n) {
  if (RAND_bytes(p, static_cast<int>(n)) != 1) throw std::runtime_error("RAND_bytes failed");
}

}  // namespace

std::string format_id(std::string_view prefix, const unsigned char (&raw)[16]);

std::string new_id(std::string_view prefix) {
  unsigned char raw[16];
  const auto ms = static_cast<std::uint64_t>(now_micros() / 1000);
  for (int i = 0; i < 6; ++i) raw[i] = static_cast<unsigned char>(ms >> (8 * (5 - i)));
  random_bytes(raw + 6, 10);
  return format_id(prefix, raw);
}

std::string derived_id(std::string_view prefix, std::string_view seed) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(seed.data()), seed.size(), digest);
  unsigned char raw[16];
  std::copy(digest, digest + 16, raw);
  return format_id(prefix, raw);
}

std::string format_id(std::string_view prefix, const unsigned char (&raw)[16]) {
  // 128 bits -> 26 base32 chars (first char carries 3 bits).
  std::string out(prefix);
  out += '_';
  unsigned __int128 v = 0;
  for (unsigned char b : raw) v = (v << 8) | b;
  char buf[26];
  for (int i = 25; i >= 0; --i) {
    buf[i] = kCrockford[static_cast<unsigned>(v & 31)];
    v >>= 5;
  }
  out.append(buf, 26);
  return out;
}

bool is_valid_id(std::string_view id, std::string_view prefix) {
  if (id.size() != prefix.size() + 27 || !id.starts_with(prefix) || id[prefix.size()] != '_')
    return false;
  for (char c : id.substr(prefix.size() + 1)) {
    bool ok = false;
    for (const char* p = kCrockford; *p; ++p)
      if (*p == c) ok = true;
    if (!ok) return false;
  }
  return id[prefix.size() + 1] <= '7';
}

std::string random_token(std::size_t n) {
  std::string raw(n, '\0');
  random_bytes(reinterpret_cast<unsigned char*>(raw.data()), n);
  return base64url_encode(raw);
}

std::int64_t now_micros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string format_rfc3339(std::int64_t micros) {
  std::time_t secs = static_cast<std::time_t>(micros / 1000000);
  int ms = static_cast<int>((micros % 1000000) / 1000);
  if (micros < 0) secs = 0, ms = 0;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
  return buf;
}

std::string sha256_hex(std::string_view data) {
  unsigned char md[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), md);
  static constexpr char hex[] = "0123456789abcdef";
  std::string out(2 * SHA256_DIGEST_LENGTH, '0');
  for (int i = 0; i < SHA256_DIGEST_LENGTH; ++i) {
    out[2 * i] = hex[md[i] >> 4];
    out[2 * i + 1] = hex[md[i] & 15];
  }
  return out;
}

std::string base64url_encode(std::string_view data) {
  std::string out;
  out.reserve((data.size() * 4 + 2) / 3);
  std::uint32_t buf = 0;
  int bits = 0;
  for (unsigned char c : data) {
    buf = (buf << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += kB64Url[(buf >> bits) & 63];
    }
  }
  if (bits > 0) out += kB64Url[(buf << (6 - bits)) & 63];
  return out;
}

bool base64url_decode(std::string_view in, std::string& out) {
  out.clear();
  std::uint32_t buf = 0;
  int bits = 0;
  for (char c : in) {
    int v;
    if (c >= 'A' && c <= 'Z') v = c - 'A';
    else if (c >= 'a' && c <= 'z') v = c - 'a' + 26;
    else if (c >= '0' && c <= '9') v = c - '0' + 52;
    else if (c == '-') v = 62;
    else if (c == '_') v = 63;
    else return false;
    buf = (buf << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buf >> bits) & 0xFF);
    }
  }
  return bits < 6;  // a lone trailing char is invalid
}

}  // namespace vault
