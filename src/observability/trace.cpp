#include "vault/observability/trace.hpp"

#include <openssl/rand.h>

#include <chrono>
#include <cstring>
#include <thread>

namespace vault::obs {
namespace {

constexpr char kHex[] = "0123456789abcdef";

bool is_lower_hex(std::string_view s) {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

bool all_zero(std::string_view s) { return s.find_first_not_of('0') == std::string_view::npos; }

int hex_value(char c) { return c <= '9' ? c - '0' : c - 'a' + 10; }

/// xoshiro256** seeded from RAND_bytes once per thread.
class FastRng {
 public:
  FastRng() {
    if (RAND_bytes(reinterpret_cast<unsigned char*>(s_), sizeof s_) != 1) {
      // Extremely unlikely; fall back to clock and thread identity.
      auto t = static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
      auto h = std::hash<std::thread::id>{}(std::this_thread::get_id());
      s_[0] = t ^ 0x9e3779b97f4a7c15ULL;
      s_[1] = h ^ 0xbf58476d1ce4e5b9ULL;
      s_[2] = t * 0x94d049bb133111ebULL;
      s_[3] = h + 0x2545f4914f6cdd1dULL;
    }
    if ((s_[0] | s_[1] | s_[2] | s_[3]) == 0) s_[0] = 1;
  }
  std::uint64_t next() {
    const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }

 private:
  static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  std::uint64_t s_[4];
};

std::uint64_t next_nonzero() {
  thread_local FastRng rng;
  std::uint64_t v;
  do {
    v = rng.next();
  } while (v == 0);
  return v;
}

void append_hex64(std::string& out, std::uint64_t v) {
  for (int i = 15; i >= 0; --i) out += kHex[(v >> (4 * i)) & 0xf];
}

}  // namespace

std::optional<TraceParent> parse_traceparent(std::string_view h) {
  while (!h.empty() && (h.front() == ' ' || h.front() == '\t')) h.remove_prefix(1);
  while (!h.empty() && (h.back() == ' ' || h.back() == '\t')) h.remove_suffix(1);
  constexpr std::size_t kLen = 55;  // 2+1+32+1+16+1+2
  if (h.size() < kLen) return std::nullopt;
  std::string_view version = h.substr(0, 2);
  if (!is_lower_hex(version) || version == "ff") return std::nullopt;
  std::uint8_t ver = static_cast<std::uint8_t>(hex_value(version[0]) * 16 + hex_value(version[1]));
  if (ver == 0 && h.size() != kLen) return std::nullopt;
  if (ver != 0 && h.size() > kLen && h[kLen] != '-') return std::nullopt;
  if (h[2] != '-' || h[35] != '-' || h[52] != '-') return std::nullopt;
  std::string_view trace_id = h.substr(3, 32);
  std::string_view parent_id = h.substr(36, 16);
  std::string_view flags = h.substr(53, 2);
  if (!is_lower_hex(trace_id) || !is_lower_hex(parent_id) || !is_lower_hex(flags)) return std::nullopt;
  if (all_zero(trace_id) || all_zero(parent_id)) return std::nullopt;
  TraceParent tp;
  tp.version = ver;
  tp.trace_id = trace_id;
  tp.parent_id = parent_id;
  tp.flags = static_cast<std::uint8_t>(hex_value(flags[0]) * 16 + hex_value(flags[1]));
  return tp;
}

bool is_acceptable_tracestate(std::string_view v) {
  if (v.empty() || v.size() > 512) return false;
  int members = 1;
  for (char c : v) {
    if (c < 0x20 || c > 0x7e) return false;
    if (c == ',' && ++members > 32) return false;
  }
  return true;
}

std::string format_traceparent(std::string_view trace_id, std::string_view span_id, std::uint8_t flags) {
  std::string out;
  out.reserve(55);
  out += "00-";
  out += trace_id;
  out += '-';
  out += span_id;
  out += '-';
  out += kHex[flags >> 4];
  out += kHex[flags & 0xf];
  return out;
}

std::string new_trace_id() {
  std::string out;
  out.reserve(32);
  append_hex64(out, next_nonzero());
  append_hex64(out, next_nonzero());
  return out;
}

std::string new_span_id() {
  std::string out;
  out.reserve(16);
  append_hex64(out, next_nonzero());
  return out;
}

std::string new_request_id() { return new_trace_id(); }

bool is_acceptable_request_id(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              std::strchr("._:-+=/@", c) != nullptr;
    if (!ok || c == '\0') return false;
  }
  return true;
}

}  // namespace vault::obs
