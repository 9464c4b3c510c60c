// FF3-1 (NIST SP 800-38G Rev. 1, Algorithms 9/10) over OpenSSL AES-ECB.
#include "vault/pii/anonymization/ff3.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <memory>
#include <vector>

namespace vault::pii {
namespace {

using u128 = unsigned __int128;

struct CtxFree {
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};
using CtxPtr = std::unique_ptr<EVP_CIPHER_CTX, CtxFree>;

const EVP_CIPHER* ecb_for(std::size_t key_size) {
  switch (key_size) {
    case 16: return EVP_aes_128_ecb();
    case 24: return EVP_aes_192_ecb();
    case 32: return EVP_aes_256_ecb();
    default: return nullptr;
  }
}

// NUM_radix(REV(digits)): the digits read least significant first.
u128 num_rev(const std::vector<int>& d, std::size_t begin, std::size_t end, unsigned radix) {
  u128 x = 0;
  for (std::size_t i = end; i-- > begin;) x = x * radix + static_cast<u128>(d[i]);
  return x;
}

// REV(STR^m_radix(x)) written into out[begin, begin+m).
void str_rev(u128 x, std::size_t m, unsigned radix, std::vector<int>& out, std::size_t begin) {
  for (std::size_t i = 0; i < m; ++i) {
    out[begin + i] = static_cast<int>(x % radix);
    x /= radix;
  }
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

Result<Ff3Tweak> parse_ff3_tweak(std::string_view hex) {
  if (hex.size() != 14) return fail(ErrorKind::Validation, "fpe tweak must be 14 hex digits (56 bits)");
  Ff3Tweak t{};
  for (std::size_t i = 0; i < 7; ++i) {
    int hi = hex_value(hex[2 * i]), lo = hex_value(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return fail(ErrorKind::Validation, "fpe tweak must be 14 hex digits (56 bits)");
    t[i] = static_cast<std::uint8_t>(hi * 16 + lo);
  }
  return t;
}

Result<Ff3_1> Ff3_1::create(crypto::ByteView key, std::string_view alphabet) {
  if (!ecb_for(key.size())) return fail(ErrorKind::Validation, "FF3-1 key must be 16, 24 or 32 bytes");
  if (alphabet.size() < 2 || alphabet.size() > 256)
    return fail(ErrorKind::Validation, "FF3-1 alphabet must have 2..256 characters");
  Ff3_1 f;
  f.index_.fill(-1);
  for (std::size_t i = 0; i < alphabet.size(); ++i) {
    auto c = static_cast<unsigned char>(alphabet[i]);
    if (f.index_[c] >= 0) return fail(ErrorKind::Validation, "FF3-1 alphabet repeats a character");
    f.index_[c] = static_cast<int>(i);
  }
  f.alphabet_ = std::string(alphabet);
  const u128 radix = alphabet.size();
  // minlen: smallest n with radix^n >= 1e6.
  u128 p = 1;
  std::size_t n = 0;
  while (p < 1000000) {
    p *= radix;
    ++n;
  }
  f.min_len_ = std::max<std::size_t>(n, 2);
  // maxlen = 2 * floor(log_radix(2^96)): largest k with radix^k <= 2^96.
  const u128 limit = static_cast<u128>(1) << 96;
  std::size_t k = 0;
  p = 1;
  while (p <= limit / radix) {
    p *= radix;
    ++k;
  }
  f.max_len_ = 2 * k;
  f.reversed_key_ = crypto::SecureBytes(key.size());
  std::reverse_copy(key.begin(), key.end(), f.reversed_key_.data());
  return f;
}

Result<std::string> Ff3_1::encrypt(std::string_view x, const Ff3Tweak& tweak) const {
  return crypt(x, tweak, true);
}

Result<std::string> Ff3_1::decrypt(std::string_view x, const Ff3Tweak& tweak) const {
  return crypt(x, tweak, false);
}

Result<std::string> Ff3_1::crypt(std::string_view x, const Ff3Tweak& tweak, bool enc) const {
  const std::size_t n = x.size();
  if (n < min_len_ || n > max_len_)
    return fail(ErrorKind::Validation, "FF3-1 input length " + std::to_string(n) + " outside " +
                                           std::to_string(min_len_) + ".." + std::to_string(max_len_));
  const unsigned radix = static_cast<unsigned>(alphabet_.size());
  std::vector<int> d(n);
  for (std::size_t i = 0; i < n; ++i) {
    int v = index_[static_cast<unsigned char>(x[i])];
    if (v < 0) return fail(ErrorKind::Validation, "FF3-1 input has a character outside the alphabet");
    d[i] = v;
  }

  CtxPtr ctx(EVP_CIPHER_CTX_new());
  if (!ctx || EVP_EncryptInit_ex(ctx.get(), ecb_for(reversed_key_.size()), nullptr,
                                 reversed_key_.data(), nullptr) != 1 ||
      EVP_CIPHER_CTX_set_padding(ctx.get(), 0) != 1)
    return fail(ErrorKind::EncryptionOperation, "FF3-1 cipher initialisation failed");

  // Steps 1-3: split and tweak halves.
  const std::size_t u = (n + 1) / 2, v = n - u;
  const std::uint8_t tl[4] = {tweak[0], tweak[1], tweak[2], static_cast<std::uint8_t>(tweak[3] & 0xF0)};
  const std::uint8_t tr[4] = {tweak[4], tweak[5], tweak[6], static_cast<std::uint8_t>((tweak[3] & 0x0F) << 4)};
  // A = d[0,u), B = d[u,n); kept as two vectors that swap roles.
  std::vector<int> a(d.begin(), d.begin() + static_cast<std::ptrdiff_t>(u));
  std::vector<int> b(d.begin() + static_cast<std::ptrdiff_t>(u), d.end());

  auto pow = [&](std::size_t m) {
    u128 p = 1;
    for (std::size_t i = 0; i < m; ++i) p *= radix;
    return p;
  };
  const u128 mod_u = pow(u), mod_v = pow(v);

  for (int step = 0; step < 8; ++step) {
    const int i = enc ? step : 7 - step;
    const bool even = i % 2 == 0;
    const std::size_t m = even ? u : v;
    const u128 modulus = even ? mod_u : mod_v;
    const std::uint8_t* w = even ? tr : tl;
    // P = W xor [i]^4 || [NUM_radix(REV(B or A))]^12
    const std::vector<int>& src = enc ? b : a;
    u128 num = num_rev(src, 0, src.size(), radix);
    std::uint8_t p[16];
    for (int j = 0; j < 4; ++j) p[j] = w[j];
    p[3] ^= static_cast<std::uint8_t>(i);
    for (int j = 15; j >= 4; --j) {
      p[j] = static_cast<std::uint8_t>(num & 0xFF);
      num >>= 8;
    }
    // S = REVB(CIPH_REVB(K)(REVB(P)))
    std::uint8_t in[16], out[16];
    for (int j = 0; j < 16; ++j) in[j] = p[15 - j];
    int outl = 0;
    if (EVP_EncryptUpdate(ctx.get(), out, &outl, in, 16) != 1 || outl != 16)
      return fail(ErrorKind::EncryptionOperation, "FF3-1 block encryption failed");
    u128 y = 0;  // NUM(S) with S = REVB(out): out read little-endian
    for (int j = 15; j >= 0; --j) y = (y << 8) | out[j];
    y %= modulus;
    std::vector<int> c(m);
    if (enc) {
      u128 c_num = (num_rev(a, 0, a.size(), radix) + y) % modulus;
      str_rev(c_num, m, radix, c, 0);
      a = std::move(b);
      b = std::move(c);
    } else {
      u128 c_num = (num_rev(b, 0, b.size(), radix) + modulus - y) % modulus;
      str_rev(c_num, m, radix, c, 0);
      b = std::move(a);
      a = std::move(c);
    }
  }
  std::string result;
  result.reserve(n);
  for (int q : a) result.push_back(alphabet_[static_cast<std::size_t>(q)]);
  for (int q : b) result.push_back(alphabet_[static_cast<std::size_t>(q)]);
  return result;
}

}  // namespace vault::pii
