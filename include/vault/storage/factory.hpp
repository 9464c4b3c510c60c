#pragma once
/// Backends chosen by URL (VAULT_DATABASE_URL, VAULT_BLOB_URL).
#include "vault/core/error.hpp"
#include "vault/storage/blob_store.hpp"
#include "vault/storage/stores.hpp"

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

namespace vault::storage {

/// Settings of a networked metadata store (spec timeouts.database); the
/// embedded SQLite store has no pool and ignores them.
struct MetadataStoreOptions {
  std::size_t pool_size = 16;
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds query_timeout{10000};
};

/// `sqlite:///abs/path/meta.db` or `sqlite://relative/path.db` (parent
/// directories are created), or `postgresql://user[:password]@host:port/db`
/// (also `postgres://`; any libpq URL parameter, e.g. `?sslmode=require`).
/// Configuration error for an unknown scheme or a malformed URL; Database if
/// the backend cannot be opened. The backend owns every aggregate store
/// (`->stores()`); destroying it closes them.
Result<std::unique_ptr<MetadataBackend>> open_metadata_store(const std::string& url,
                                                             const MetadataStoreOptions& options = {});

/// Timeouts of a networked blob store (spec timeouts.storage); the file
/// store ignores them.
struct BlobStoreOptions {
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds read_timeout{10000};
  std::chrono::milliseconds write_timeout{30000};
  std::chrono::milliseconds metadata_timeout{5000};
};

/// `file:///abs/dir` (created if missing), or
/// `s3://BUCKET[/prefix]?endpoint=http://host:port&region=us-east-1` (S3 or
/// any S3-compatible server; credentials from AWS_ACCESS_KEY_ID and
/// AWS_SECRET_ACCESS_KEY; the bucket must exist). Configuration error for an
/// unknown scheme or a malformed URL; BlobStorage if the store is unusable.
Result<std::unique_ptr<BlobStore>> open_blob_store(const std::string& url, const BlobStoreOptions& options = {});

}  // namespace vault::storage
