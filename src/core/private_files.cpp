#include "vault/core/private_files.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <system_error>

namespace vault {
namespace fs = std::filesystem;
namespace {

/// Clears group/other bits of one path (lstat: symlinks are skipped).
/// Returns the change, nothing, or the errno of a failure.
std::optional<TightenedPath> tighten_one(const fs::path& p, int& err) {
  struct stat st {};
  if (::lstat(p.c_str(), &st) != 0) {
    if (errno != ENOENT) err = errno;
    return std::nullopt;
  }
  if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode)) return std::nullopt;
  const unsigned old_mode = st.st_mode & 07777;
  unsigned new_mode = old_mode & ~static_cast<unsigned>(S_IRWXG | S_IRWXO | S_ISGID | S_ISUID);
  if (S_ISDIR(st.st_mode)) new_mode |= S_IRWXU;  // the owner must be able to use it
  if (new_mode == old_mode) return std::nullopt;
  if (::chmod(p.c_str(), new_mode) != 0) {
    err = errno;
    return std::nullopt;
  }
  return TightenedPath{p.string(), old_mode, new_mode};
}

std::unexpected<Error> mode_error(const fs::path& p, int err) {
  return fail(ErrorKind::Configuration,
              "cannot restrict the permissions of " + p.string() + ": " + std::strerror(err));
}

}  // namespace

std::string octal_mode(unsigned mode) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", mode & 07777);
  return buf;
}

Result<std::vector<TightenedPath>> tighten_path(const fs::path& path) {
  std::vector<TightenedPath> out;
  int err = 0;
  if (auto t = tighten_one(path, err)) out.push_back(std::move(*t));
  if (err) return mode_error(path, err);
  return out;
}

Result<std::vector<TightenedPath>> tighten_tree(const fs::path& root) {
  std::vector<TightenedPath> out;
  std::optional<fs::path> first_failure;
  int failure_errno = 0;
  auto visit = [&](const fs::path& p) {
    int err = 0;
    if (auto t = tighten_one(p, err)) out.push_back(std::move(*t));
    if (err && !first_failure) {
      first_failure = p;
      failure_errno = err;
    }
  };
  std::error_code ec;
  if (!fs::exists(fs::symlink_status(root, ec))) return out;
  visit(root);
  if (fs::is_directory(root, ec)) {
    fs::recursive_directory_iterator it(root, fs::directory_options::skip_permission_denied, ec), end;
    if (ec) return mode_error(root, ec.value());
    for (; it != end; it.increment(ec)) {
      if (ec) {
        if (!first_failure) {
          first_failure = root;
          failure_errno = ec.value();
        }
        break;
      }
      visit(it->path());
    }
  }
  if (first_failure) return mode_error(*first_failure, failure_errno);
  return out;
}

Status create_private_dirs(const fs::path& dir) {
  std::error_code ec;
  // Missing parents first (each created 0700: mkdir's mode is masked by the
  // umask, so it can only come out tighter).
  std::vector<fs::path> missing;
  for (fs::path p = dir; !p.empty() && !fs::exists(p, ec); p = p.parent_path()) {
    missing.push_back(p);
    if (p == p.parent_path()) break;
  }
  for (auto it = missing.rbegin(); it != missing.rend(); ++it)
    if (::mkdir(it->c_str(), 0700) != 0 && errno != EEXIST)
      return fail(ErrorKind::Configuration, "cannot create directory " + it->string() + ": " + std::strerror(errno));
  if (!fs::is_directory(dir, ec)) return fail(ErrorKind::Configuration, dir.string() + " is not a directory");
  return {};
}

Result<std::vector<TightenedPath>> make_private_dir(const fs::path& dir) {
  if (auto s = create_private_dirs(dir); !s) return std::unexpected(s.error());
  return tighten_path(dir);
}

}  // namespace vault
