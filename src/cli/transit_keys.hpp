#pragma once
/// Data keys from the server's transit keys, for `vault encrypt --key NAME`
/// and `vault decrypt --key NAME` (docs/file-encryption.md, format version 2).
#include "cli/context.hpp"
#include "vault/crypto/stream_cipher.hpp"

#include <optional>
#include <string>

namespace vault::cli {

struct TransitDataKey {
  crypto::stream::FileKey key;  ///< the plaintext data key (wiped on destruction)
  std::string wrapped;          ///< "vault:vN:..." — goes into the file header
};

/// POST /api/v1/transit/datakey/NAME/plaintext. On failure prints the error
/// and sets `rc` (HTTP status mapping, connection error, or 1 for a bad answer).
std::optional<TransitDataKey> fetch_transit_data_key(const Context& ctx, const std::string& name, int& rc);

/// POST /api/v1/transit/decrypt/NAME with the wrapped data key. A ciphertext
/// the server refuses (400: tampered, other key or tenant) sets rc = 7.
std::optional<crypto::stream::FileKey> unwrap_transit_data_key(const Context& ctx, const std::string& name,
                                                               const std::string& wrapped, int& rc);

}  // namespace vault::cli
