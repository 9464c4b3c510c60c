#pragma once
/// Owner-only file modes for the data directory: it holds the metadata
/// database (ids, findings summaries, wrapped keys), the blobs and, with the
/// local key provider, the keyring and the master key.
///
/// Rule: directories 0700, files 0600 — concretely, every group and other
/// permission bit is cleared (the owner bits are kept), so files the vault
/// creates (0600) and directories (0700) come out exactly so.
#include "vault/core/error.hpp"

#include <filesystem>
#include <string>
#include <vector>

namespace vault {

/// A path whose mode was tightened (for a warning log line; paths are not
/// secret, modes are octal like 0644).
struct TightenedPath {
  std::string path;
  unsigned old_mode = 0;
  unsigned new_mode = 0;
};

/// Creates the missing components of `dir` with mode 0700 (or tighter, by
/// the umask); existing directories are left as they are (use this for
/// directories that may be shared, e.g. the parent of a configured file).
/// Configuration error if it cannot be created or is not a directory.
Status create_private_dirs(const std::filesystem::path& dir);

/// create_private_dirs(dir), then tightens `dir` itself (only for
/// directories the vault owns, like the data directory).
Result<std::vector<TightenedPath>> make_private_dir(const std::filesystem::path& dir);

/// Walks `root` (without following symbolic links) and clears the group and
/// other bits of `root`, of every directory and of every regular file below
/// it; returns what changed. Absent root: nothing to do. Fails (Configuration,
/// naming the path) when a mode cannot be changed, after tightening the rest.
Result<std::vector<TightenedPath>> tighten_tree(const std::filesystem::path& root);

/// Tightens one path if it exists (file or directory; symlinks are left).
Result<std::vector<TightenedPath>> tighten_path(const std::filesystem::path& path);

/// "0644"
std::string octal_mode(unsigned mode);

}  // namespace vault
