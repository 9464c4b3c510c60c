#include "vault/crypto/hmac.hpp"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <charconv>

namespace vault::crypto {

HmacSha256::HmacSha256(ByteView key)
    : mac_(EVP_MAC_fetch(nullptr, "HMAC", nullptr)), ctx_(mac_ ? EVP_MAC_CTX_new(mac_) : nullptr), ok_(ctx_) {
  if (!ok_) return;
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                         OSSL_PARAM_construct_end()};
  ok_ = EVP_MAC_init(ctx_, key.data(), key.size(), params) == 1;
}

HmacSha256::~HmacSha256() {
  EVP_MAC_CTX_free(ctx_);
  EVP_MAC_free(mac_);
}

void HmacSha256::update(std::string_view b) {
  if (ok_ && EVP_MAC_update(ctx_, reinterpret_cast<const unsigned char*>(b.data()), b.size()) != 1) ok_ = false;
}

std::string HmacSha256::final_hex() {
  unsigned char out[EVP_MAX_MD_SIZE];
  std::size_t len = 0;
  if (!ok_ || EVP_MAC_final(ctx_, out, &len, sizeof out) != 1) return {};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string h;
  h.reserve(2 * len);
  for (std::size_t i = 0; i < len; ++i) {
    h += kHex[out[i] >> 4];
    h += kHex[out[i] & 15];
  }
  return h;
}

std::string hmac_sha256_hex(ByteView key, std::string_view data) {
  HmacSha256 mac(key);
  mac.update(data);
  return mac.final_hex();
}

namespace {
constexpr std::string_view kLabelPrefix = "hmac-sha256:v";
}

std::string keyed_digest_label(std::uint32_t key_version, std::string_view hex) {
  std::string out(kLabelPrefix);
  out += std::to_string(key_version);
  out += ':';
  out.append(hex);
  return out;
}

std::optional<std::uint32_t> keyed_digest_version(std::string_view label) {
  if (!label.starts_with(kLabelPrefix)) return std::nullopt;
  const auto colon = label.find(':', kLabelPrefix.size());
  if (colon == std::string_view::npos) return std::nullopt;
  std::uint32_t version = 0;
  auto [p, ec] = std::from_chars(label.data() + kLabelPrefix.size(), label.data() + colon, version);
  if (ec != std::errc{} || p != label.data() + colon) return std::nullopt;
  return version;
}

}  // namespace vault::crypto
