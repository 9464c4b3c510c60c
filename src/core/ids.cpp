#include "vault/core/ids.hpp"

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <algorithm>
#include <chrono>
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

namespace {

/// Writes `v` (0 <= v) as exactly `width` digits, most significant first.
char* put_digits(char* out, std::int64_t v, int width) {
  for (int i = width - 1; i >= 0; --i, v /= 10) out[i] = static_cast<char>('0' + v % 10);
  return out + width;
}

}  // namespace

// Every request formats two or three timestamps (the answer's, the access
// log's). gmtime_r takes glibc's time-zone lock on every call and snprintf
// parses its format: together about 4,000 instructions a call and a lock
// the I/O threads share. The calendar is computed instead (days to civil
// date, proleptic Gregorian: Howard Hinnant's civil_from_days); the unit
// test compares it with gmtime_r over the years 1970-9999.
std::string format_rfc3339(std::int64_t micros) {
  if (micros < 0) micros = 0;
  const std::int64_t secs = micros / 1000000;
  const auto ms = static_cast<int>((micros % 1000000) / 1000);
  const std::int64_t days = secs / 86400, sod = secs % 86400;
  const std::int64_t z = days + 719468;
  const std::int64_t era = z / 146097;
  const std::int64_t doe = z - era * 146097;                                   // [0, 146096]
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;  // [0, 399]
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);            // [0, 365]
  const std::int64_t mp = (5 * doy + 2) / 153;                                 // [0, 11], March first
  const std::int64_t day = doy - (153 * mp + 2) / 5 + 1;
  const std::int64_t month = mp < 10 ? mp + 3 : mp - 9;
  const std::int64_t year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  char buf[40];
  char* p = buf;
  if (year > 9999) {  // as "%04d" would print it: every digit
    const std::string y = std::to_string(year);
    p = std::copy(y.begin(), y.end(), p);
  } else {
    p = put_digits(p, year, 4);
  }
  *p++ = '-';
  p = put_digits(p, month, 2);
  *p++ = '-';
  p = put_digits(p, day, 2);
  *p++ = 'T';
  p = put_digits(p, sod / 3600, 2);
  *p++ = ':';
  p = put_digits(p, sod / 60 % 60, 2);
  *p++ = ':';
  p = put_digits(p, sod % 60, 2);
  *p++ = '.';
  p = put_digits(p, ms, 3);
  *p++ = 'Z';
  return std::string(buf, p);
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
