#pragma once
/// Backups kept in an object store (S3): `vault admin backup -o s3://...`
/// uploads the encrypted backup, `vault admin restore s3://...` streams it
/// back. The URLs are the blob store's (docs/operations.md):
///   backup:  s3://BUCKET[/prefix]?endpoint=...&region=...  → object
///            <prefix>/vault-backup-<UTC time>.vbak
///   restore: s3://BUCKET[/prefix]/NAME.vbak?endpoint=...&region=...
/// Credentials come from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY.
#include "vault/core/error.hpp"

#include <filesystem>
#include <string>
#include <string_view>

namespace vault::cli {

/// Whether an -o / input names an object store rather than a local path.
bool is_backup_store_url(std::string_view s);

/// Uploads `file` as object `name` below `store_url` (multipart when large,
/// from a memory map: the file is not read into memory); returns the URL to
/// restore it from.
Result<std::string> upload_backup(const std::string& store_url, const std::string& name,
                                  const std::filesystem::path& file);

/// Streams the object `object_url` names into `file` (created 0600).
Status download_backup(const std::string& object_url, const std::filesystem::path& file);

}  // namespace vault::cli
