#include "cli/backup_store.hpp"

#include "vault/storage/factory.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace vault::cli {
namespace {

/// "s3://b/p?q" + "name" → "s3://b/p/name?q".
std::string object_url(const std::string& store_url, const std::string& name) {
  const auto q = store_url.find('?');
  std::string base = store_url.substr(0, q);
  while (!base.empty() && base.back() == '/') base.pop_back();
  return base + "/" + name + (q == std::string::npos ? "" : store_url.substr(q));
}

/// "s3://b/p/name?q" → {"s3://b/p?q", "name"}; the bucket alone is no object.
Result<std::pair<std::string, std::string>> split_object_url(const std::string& url) {
  const auto q = url.find('?');
  const std::string base = url.substr(0, q);
  const std::string query = q == std::string::npos ? "" : url.substr(q);
  const auto scheme_end = base.find("://");
  const auto slash = base.rfind('/');
  if (scheme_end == std::string::npos || slash == std::string::npos || slash <= scheme_end + 2 ||
      slash + 1 == base.size() || base.find('/', scheme_end + 3) == std::string::npos)
    return fail(ErrorKind::Validation, "name the backup object: s3://BUCKET[/prefix]/NAME.vbak?endpoint=...");
  return std::pair{base.substr(0, slash) + query, base.substr(slash + 1)};
}

/// A read-only memory map of a whole file.
class MappedFile {
 public:
  explicit MappedFile(const std::filesystem::path& p) {
    fd_ = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) return;
    struct stat st {};
    if (::fstat(fd_, &st) != 0) return;
    size_ = static_cast<std::size_t>(st.st_size);
    if (size_ == 0) {
      ok_ = true;
      return;
    }
    void* m = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd_, 0);
    if (m == MAP_FAILED) return;
    data_ = static_cast<const char*>(m);
    ok_ = true;
  }
  ~MappedFile() {
    if (data_) ::munmap(const_cast<char*>(data_), size_);
    if (fd_ >= 0) ::close(fd_);
  }
  bool ok() const { return ok_; }
  std::string_view view() const { return {data_ ? data_ : "", size_}; }

 private:
  int fd_ = -1;
  const char* data_ = nullptr;
  std::size_t size_ = 0;
  bool ok_ = false;
};

}  // namespace

bool is_backup_store_url(std::string_view s) { return s.starts_with("s3://"); }

Result<std::string> upload_backup(const std::string& store_url, const std::string& name,
                                  const std::filesystem::path& file) {
  auto store = storage::open_blob_store(store_url);
  if (!store) return std::unexpected(store.error());
  MappedFile m(file);
  if (!m.ok()) return fail(ErrorKind::Validation, "cannot read " + file.string());
  if (auto s = (*store)->put(name, m.view()); !s) return std::unexpected(s.error());
  return object_url(store_url, name);
}

Status download_backup(const std::string& url, const std::filesystem::path& file) {
  auto parts = split_object_url(url);
  if (!parts) return std::unexpected(parts.error());
  auto store = storage::open_blob_store(parts->first);
  if (!store) return std::unexpected(store.error());
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return fail(ErrorKind::Validation, "cannot write " + file.string());
  bool write_failed = false;
  auto s = (*store)->get_to(parts->second, [&](std::string_view piece) {
    while (!piece.empty()) {
      const ssize_t n = ::write(fd, piece.data(), piece.size());
      if (n <= 0) {
        write_failed = true;
        return false;
      }
      piece.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  });
  const bool closed = ::close(fd) == 0;
  if (write_failed || !closed) return fail(ErrorKind::Validation, "cannot write " + file.string());
  return s;
}

}  // namespace vault::cli
