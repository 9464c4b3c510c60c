// Crypto currency addresses: Base58Check (legacy P2PKH / P2SH) and
// Bech32 / Bech32m (segwit v0 / v1+).
#include "vault/pii/detection/validators.hpp"

#include <openssl/evp.h>
#include <openssl/sha.h>

#include <array>
#include <cstring>
#include <vector>

namespace vault::pii {
namespace {

constexpr std::string_view kB58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

std::array<unsigned char, 32> sha256(const unsigned char* data, std::size_t n) {
  std::array<unsigned char, 32> out{};
  unsigned int len = 0;
  EVP_Digest(data, n, out.data(), &len, EVP_sha256(), nullptr);
  return out;
}

}  // namespace

bool base58check_valid(std::string_view text) {
  if (text.size() < 26 || text.size() > 35) return false;
  // Big-number base conversion, base 58 -> base 256.
  std::vector<unsigned char> bytes;  // little-endian
  for (char c : text) {
    auto pos = kB58.find(c);
    if (pos == std::string_view::npos) return false;
    unsigned carry = static_cast<unsigned>(pos);
    for (auto& b : bytes) {
      carry += 58u * b;
      b = static_cast<unsigned char>(carry & 0xff);
      carry >>= 8;
    }
    while (carry) {
      bytes.push_back(static_cast<unsigned char>(carry & 0xff));
      carry >>= 8;
    }
  }
  for (char c : text) {
    if (c != '1') break;
    bytes.push_back(0);
  }
  std::vector<unsigned char> be(bytes.rbegin(), bytes.rend());
  if (be.size() != 25) return false;  // version(1) + hash160(20) + checksum(4)
  auto h1 = sha256(be.data(), 21);
  auto h2 = sha256(h1.data(), h1.size());
  return std::memcmp(h2.data(), be.data() + 21, 4) == 0;
}

namespace {
constexpr std::string_view kBech32 = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";

std::uint32_t polymod(const std::vector<std::uint8_t>& v) {
  static constexpr std::uint32_t gen[5] = {0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3};
  std::uint32_t chk = 1;
  for (auto x : v) {
    std::uint32_t b = chk >> 25;
    chk = ((chk & 0x1ffffff) << 5) ^ x;
    for (int i = 0; i < 5; ++i)
      if ((b >> i) & 1) chk ^= gen[i];
  }
  return chk;
}
}  // namespace

bool bech32_address_valid(std::string_view text) {
  if (text.size() < 14 || text.size() > 90) return false;
  bool lower = false, upper = false;
  for (char c : text) {
    if (c >= 'a' && c <= 'z') lower = true;
    if (c >= 'A' && c <= 'Z') upper = true;
  }
  if (lower && upper) return false;
  std::string s(text);
  for (auto& c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
  auto sep = s.rfind('1');
  if (sep == std::string::npos || sep < 1 || sep + 7 > s.size()) return false;
  std::string hrp = s.substr(0, sep);
  if (hrp != "bc" && hrp != "tb" && hrp != "ltc" && hrp != "bcrt") return false;
  std::vector<std::uint8_t> v;
  for (char c : hrp) v.push_back(static_cast<std::uint8_t>(c >> 5));
  v.push_back(0);
  for (char c : hrp) v.push_back(static_cast<std::uint8_t>(c & 31));
  std::vector<std::uint8_t> data;
  for (std::size_t i = sep + 1; i < s.size(); ++i) {
    auto pos = kBech32.find(s[i]);
    if (pos == std::string_view::npos) return false;
    data.push_back(static_cast<std::uint8_t>(pos));
  }
  v.insert(v.end(), data.begin(), data.end());
  std::uint32_t pm = polymod(v);
  if (data.empty()) return false;
  int witver = data[0];
  if (witver > 16) return false;
  // Bech32 (constant 1) for v0, Bech32m (0x2bc830a3) for v1+.
  return witver == 0 ? pm == 1 : pm == 0x2bc830a3;
}

}  // namespace vault::pii
