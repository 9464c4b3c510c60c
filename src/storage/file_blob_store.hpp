#pragma once
/// BlobStore on a local directory. put writes a temp file in the target's
/// directory, fsyncs it, renames it over the key and fsyncs the directory:
/// readers see the whole old or the whole new object, and a returned put
/// survives a crash. Temp files carry a '~' (never valid in a key) and are
/// invisible to list().
#include "vault/storage/blob_store.hpp"

#include <atomic>
#include <filesystem>
#include <memory>

namespace vault::storage {

class FileBlobStore final : public BlobStore {
 public:
  /// Creates `root` if needed. BlobStorage if it is not a usable directory.
  static Result<std::unique_ptr<FileBlobStore>> open(const std::filesystem::path& root);

  Status put(const std::string& key, std::string_view data) override;
  Result<std::string> get(const std::string& key) override;
  Result<bool> exists(const std::string& key) override;
  Status remove(const std::string& key) override;
  Result<std::vector<std::string>> list(const std::string& prefix) override;
  Status ping() override;

 private:
  explicit FileBlobStore(std::filesystem::path root) : root_(std::move(root)) {}
  Status make_parents(const std::filesystem::path& dir);

  const std::filesystem::path root_;
  std::atomic<std::uint64_t> counter_{0};
};

}  // namespace vault::storage
