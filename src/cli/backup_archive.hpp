#pragma once
/// The content of `vault admin backup` of an embedded data directory: a
/// consistent snapshot of the SQLite metadata store, taken with SQLite's
/// online backup API while vaultd keeps running, together with every other
/// file the directory needs to be started again (keys/: the sealed keyring
/// and its master key; blobs/), packed into one archive. `vault admin backup`
/// then encrypts the archive in the format of `vault encrypt`.
///
/// Archive format (big-endian): the magic "VAULTBAK1\n", then per file a u32
/// path length, the path ('/'-separated, relative), a u32 mode, a u64 size and
/// the bytes; a zero path length ends it. The snapshot is stored as meta.db.
/// Left out: meta.db's -wal/-shm/-journal (the snapshot has their content),
/// *.lock files and the cache/ of compiled pattern databases.
#include "vault/core/error.hpp"

#include <cstdint>
#include <filesystem>
#include <iosfwd>

namespace vault::cli {

struct BackupSummary {
  std::uint64_t files = 0;
  std::uint64_t bytes = 0;
};

/// Writes the archive of `data_dir` to `out`, using `scratch` (a private
/// directory) for the database snapshot. Validation error if `data_dir` has
/// no meta.db.
Result<BackupSummary> write_backup_archive(const std::filesystem::path& data_dir,
                                           const std::filesystem::path& scratch, std::ostream& out);

/// Unpacks an archive into `data_dir`, which must not exist or be empty; it
/// is created owner-only and files keep their modes. Validation error for
/// anything that is not such an archive (or a path that would leave the
/// directory).
Result<BackupSummary> restore_backup_archive(std::istream& in, const std::filesystem::path& data_dir);

}  // namespace vault::cli
