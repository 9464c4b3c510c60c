#pragma once
/// HMAC-SHA256 (OpenSSL 3 EVP_MAC), and the label the vault stores keyed
/// digests under: "hmac-sha256:v<key version>:<hex>" (version `content_hash`,
/// idempotency request fingerprints), so a digest names the tenant-key
/// version that verifies it.
#include "vault/crypto/secure_bytes.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

struct evp_mac_st;
struct evp_mac_ctx_st;

namespace vault::crypto {

/// Streaming HMAC-SHA256. A failure anywhere makes final_hex() empty.
class HmacSha256 {
 public:
  explicit HmacSha256(ByteView key);
  ~HmacSha256();
  HmacSha256(const HmacSha256&) = delete;
  HmacSha256& operator=(const HmacSha256&) = delete;

  void update(std::string_view bytes);
  /// Lower-case hex of the MAC, or "" if OpenSSL failed.
  std::string final_hex();

 private:
  evp_mac_st* mac_;
  evp_mac_ctx_st* ctx_;
  bool ok_;
};

/// One-shot HMAC-SHA256 as lower-case hex ("" if OpenSSL failed).
std::string hmac_sha256_hex(ByteView key, std::string_view data);

/// "hmac-sha256:v<version>:<hex>".
std::string keyed_digest_label(std::uint32_t key_version, std::string_view hex);
/// The key version of a label written by keyed_digest_label; nullopt for
/// anything else (e.g. a bare SHA-256 hex written by older builds).
std::optional<std::uint32_t> keyed_digest_version(std::string_view label);

}  // namespace vault::crypto
