#pragma once
// The checks every KeyProvider makes before it unwraps (src/crypto only).
#include "vault/core/error.hpp"
#include "vault/crypto/aead.hpp"
#include "vault/crypto/key_provider.hpp"

#include <string_view>

namespace vault::crypto::detail {

/// The ciphertext header of `w.bytes`, after checking that `w` was wrapped by
/// `tenant_id`'s KEK (KeyRetrieval otherwise) and that the header is well
/// formed and names the same key id and version as `w` (DecryptionOperation
/// otherwise). Key lookup and decryption are left to the provider.
Result<CiphertextHeader> wrapped_key_header(std::string_view tenant_id, const WrappedKey& w);

}  // namespace vault::crypto::detail
