#pragma once
/// Blob key rules shared by every BlobStore implementation.
#include "vault/core/error.hpp"

#include <string_view>

namespace vault::storage {

/// Keys are 1-1024 bytes of '/'-separated, non-empty segments of
/// [A-Za-z0-9._-]; "." and ".." segments are refused (they would escape a
/// directory). InvalidIdentifier otherwise; the message never echoes the key.
Status validate_blob_key(std::string_view key);

}  // namespace vault::storage
