#pragma once
// Parsing of key-provider URLs (syntax documented in vault/crypto/key_provider.hpp).
#include "vault/core/error.hpp"

#include <map>
#include <string>
#include <string_view>

namespace vault::crypto::detail {

struct ProviderUrl {
  std::string scheme;  ///< "local" / "pkcs11"
  std::string path;    ///< percent-decoded, absolute (may be empty for "local")
  std::map<std::string, std::string> query;  ///< percent-decoded
};

/// "scheme:///abs/path?k=v&k2=v2" or a bare "scheme". Configuration error if malformed
/// (the message never echoes query values: they may hold a PIN).
Result<ProviderUrl> parse_provider_url(std::string_view url);

}  // namespace vault::crypto::detail
