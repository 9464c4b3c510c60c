#pragma once
// File helpers for key material: atomic writes, master-key loading.
#include "vault/core/error.hpp"
#include "vault/crypto/secure_bytes.hpp"

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace vault::crypto::detail {

/// Writes `bytes` to `path` atomically and durably: temp file (mode 0600) in
/// the same directory, fsync, rename over `path`, fsync of the directory.
Status write_file_atomic(const std::filesystem::path& path, std::string_view bytes);

/// The whole file, or nullopt if it does not exist. KeyProvider on I/O errors.
Result<std::optional<std::string>> read_file(const std::filesystem::path& path);

/// Decodes a 32-byte key written as 64 hex digits or standard base64
/// (surrounding whitespace ignored). Configuration error otherwise.
Result<SecureBytes> decode_key_text(std::string_view text);

/// Loads the master key file, creating it (mode 0600, 32 random bytes, raw)
/// if absent. An existing file may hold 32 raw bytes or decode_key_text text;
/// Configuration error if it is group/other accessible or malformed.
Result<SecureBytes> load_or_create_master_key(const std::filesystem::path& path);

/// The master key from environment variable `var` (decode_key_text format).
Result<SecureBytes> master_key_from_env(const std::string& var);

}  // namespace vault::crypto::detail
