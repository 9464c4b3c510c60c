#include "storage/file_blob_store.hpp"

#include "storage/blob_key.hpp"
#include "vault/core/private_files.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <random>

namespace vault::storage {
namespace fs = std::filesystem;

namespace {

Error io_error(std::string_view what, int err) {
  return Error(ErrorKind::BlobStorage, std::string("blob store: ") + std::string(what) + ": " +
                                           std::strerror(err));
}

/// fsyncs a directory so a rename/creation inside it is durable.
Status sync_dir(const fs::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return std::unexpected(io_error("open directory", errno));
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  if (rc != 0) return std::unexpected(io_error("fsync directory", err));
  return {};
}

Status write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return std::unexpected(io_error("write", errno));
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return {};
}

std::uint64_t random_u64() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  return rng();
}

}  // namespace

Result<std::unique_ptr<FileBlobStore>> FileBlobStore::open(const fs::path& root) {
  // Owner-only: new directories 0700, objects 0600 (vaultd tightens
  // existing ones under its data directory).
  if (auto d = create_private_dirs(root); !d)
    return fail(ErrorKind::BlobStorage, "blob store: cannot create the root directory: " + d.error().message());
  std::error_code ec;
  if (!fs::is_directory(root, ec))
    return fail(ErrorKind::BlobStorage, "blob store: the root is not a directory");
  return std::unique_ptr<FileBlobStore>(new FileBlobStore(root));
}

Status FileBlobStore::make_parents(const fs::path& dir) {
  if (dir == root_) return {};
  struct stat st {};
  if (::stat(dir.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) return {};
    return fail(ErrorKind::BlobStorage, "blob store: a key prefix names an existing object");
  }
  if (auto s = make_parents(dir.parent_path()); !s) return s;
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
    return std::unexpected(io_error("mkdir", errno));
  return sync_dir(dir.parent_path());
}

Status FileBlobStore::put(const std::string& key, std::string_view data) {
  if (auto s = validate_blob_key(key); !s) return s;
  const fs::path target = root_ / key;
  const fs::path dir = target.parent_path();
  if (auto s = make_parents(dir); !s) return s;
  const fs::path tmp = dir / (target.filename().string() + "~" + std::to_string(::getpid()) + "." +
                              std::to_string(counter_.fetch_add(1)) + "." + std::to_string(random_u64()));
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return std::unexpected(io_error("create", errno));
  Status s = write_all(fd, data);
  if (s && ::fsync(fd) != 0) s = std::unexpected(io_error("fsync", errno));
  if (::close(fd) != 0 && s) s = std::unexpected(io_error("close", errno));
  if (s && ::rename(tmp.c_str(), target.c_str()) != 0) s = std::unexpected(io_error("rename", errno));
  if (!s) {
    ::unlink(tmp.c_str());
    return s;
  }
  return sync_dir(dir);
}

Result<std::string> FileBlobStore::get(const std::string& key) {
  if (auto s = validate_blob_key(key); !s) return std::unexpected(s.error());
  const fs::path path = root_ / key;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT || errno == ENOTDIR) return fail(ErrorKind::ResourceNotFound, "blob not found");
    return std::unexpected(io_error("open", errno));
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return fail(ErrorKind::ResourceNotFound, "blob not found");
  }
  std::string out;
  out.resize(static_cast<std::size_t>(st.st_size));
  std::size_t got = 0;
  for (;;) {
    if (got == out.size()) out.resize(out.size() + 65536);
    const ssize_t n = ::read(fd, out.data() + got, out.size() - got);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      ::close(fd);
      return std::unexpected(io_error("read", err));
    }
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  ::close(fd);
  out.resize(got);
  return out;
}

Result<bool> FileBlobStore::exists(const std::string& key) {
  if (auto s = validate_blob_key(key); !s) return std::unexpected(s.error());
  struct stat st {};
  if (::stat((root_ / key).c_str(), &st) != 0) {
    if (errno == ENOENT || errno == ENOTDIR) return false;
    return std::unexpected(io_error("stat", errno));
  }
  return S_ISREG(st.st_mode);
}

Status FileBlobStore::remove(const std::string& key) {
  if (auto s = validate_blob_key(key); !s) return s;
  const fs::path path = root_ / key;
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) return {};  // a prefix, not an object
  if (::unlink(path.c_str()) != 0) {
    if (errno == ENOENT || errno == ENOTDIR) return {};
    return std::unexpected(io_error("unlink", errno));
  }
  return sync_dir(path.parent_path());
}

Result<std::vector<std::string>> FileBlobStore::list(const std::string& prefix) {
  // Walk only the deepest directory the prefix fully names, when it is a valid key path.
  fs::path start = root_;
  const auto slash = prefix.rfind('/');
  if (slash != std::string::npos && slash > 0 && validate_blob_key(prefix.substr(0, slash)))
    start = root_ / prefix.substr(0, slash);
  std::vector<std::string> out;
  std::error_code ec;
  if (!fs::is_directory(start, ec)) return out;
  fs::recursive_directory_iterator it(start, ec), end;
  if (ec) return fail(ErrorKind::BlobStorage, "blob store: cannot list: " + ec.message());
  for (; it != end; it.increment(ec)) {
    if (ec) return fail(ErrorKind::BlobStorage, "blob store: cannot list: " + ec.message());
    if (!it->is_regular_file(ec)) continue;
    std::string key = it->path().lexically_relative(root_).generic_string();
    if (key.find('~') != std::string::npos) continue;  // an in-flight temp file
    if (key.starts_with(prefix)) out.push_back(std::move(key));
  }
  std::sort(out.begin(), out.end());
  return out;
}

Status FileBlobStore::ping() {
  struct stat st {};
  if (::stat(root_.c_str(), &st) != 0) return std::unexpected(io_error("stat root", errno));
  if (!S_ISDIR(st.st_mode)) return fail(ErrorKind::BlobStorage, "blob store: the root is not a directory");
  if (::access(root_.c_str(), W_OK) != 0) return std::unexpected(io_error("root not writable", errno));
  return {};
}

}  // namespace vault::storage
