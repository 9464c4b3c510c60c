#include "vault/storage/factory.hpp"

#include "storage/file_blob_store.hpp"
#include "storage/pg_stores.hpp"
#include "storage/s3_blob_store.hpp"
#include "storage/sqlite_stores.hpp"
#include "vault/core/private_files.hpp"

#include <filesystem>
#include <system_error>

namespace vault::storage {
namespace {

std::string scheme_of(const std::string& url) {
  const auto p = url.find("://");
  return p == std::string::npos ? std::string() : url.substr(0, p);
}

}  // namespace

Result<std::unique_ptr<MetadataBackend>> open_metadata_store(const std::string& url,
                                                             const MetadataStoreOptions& options) {
  const std::string scheme = scheme_of(url);
  if (scheme == "postgresql" || scheme == "postgres") {
    auto s = PgBackend::open(url, PgOptions{options.pool_size, options.connect_timeout, options.query_timeout});
    if (!s) return std::unexpected(s.error());
    return std::unique_ptr<MetadataBackend>(std::move(*s));
  }
  if (scheme != "sqlite")
    return fail(ErrorKind::Configuration,
                "unsupported metadata store URL scheme \"" + scheme +
                    "\": expected sqlite:///absolute/path.db, sqlite://relative/path.db or "
                    "postgresql://user@host:port/database");
  // sqlite:///abs -> "/abs"; sqlite://rel -> "rel"
  const std::string path = url.substr(std::string("sqlite://").size());
  if (path.empty() || path.back() == '/' || path.find('?') != std::string::npos)
    return fail(ErrorKind::Configuration, "the sqlite URL must name a database file");
  const auto parent = std::filesystem::path(path).parent_path();
  if (!parent.empty())
    if (auto d = create_private_dirs(parent); !d)
      return fail(ErrorKind::Database, "cannot create the database directory: " + d.error().message());
  auto s = SqliteBackend::open(path);
  if (!s) return std::unexpected(s.error());
  return std::unique_ptr<MetadataBackend>(std::move(*s));
}

Result<std::unique_ptr<BlobStore>> open_blob_store(const std::string& url, const BlobStoreOptions& options) {
  const std::string scheme = scheme_of(url);
  if (scheme == "s3") {
    auto c = s3::parse_url(url);
    if (!c) return std::unexpected(c.error());
    c->connect_timeout = options.connect_timeout;
    c->read_timeout = options.read_timeout;
    c->write_timeout = options.write_timeout;
    c->metadata_timeout = options.metadata_timeout;
    auto store = std::make_unique<S3BlobStore>(std::move(*c));
    if (auto p = store->ping(); !p) return std::unexpected(p.error());
    return std::unique_ptr<BlobStore>(std::move(store));
  }
  if (scheme != "file")
    return fail(ErrorKind::Configuration, "unsupported blob store URL scheme \"" + scheme +
                                              "\": expected file:///absolute/directory or s3://bucket?endpoint=...");
  const std::string path = url.substr(std::string("file://").size());
  if (path.empty() || path.front() != '/')
    return fail(ErrorKind::Configuration, "the file URL must name an absolute directory (file:///dir)");
  auto s = FileBlobStore::open(path);
  if (!s) return std::unexpected(s.error());
  return std::unique_ptr<BlobStore>(std::move(*s));
}

}  // namespace vault::storage
