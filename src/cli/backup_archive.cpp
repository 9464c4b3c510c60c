#include "cli/backup_archive.hpp"

#include "vault/core/private_files.hpp"

#include <sqlite3.h>
#include <sys/stat.h>

#include <array>
#include <chrono>
#include <fstream>
#include <istream>
#include <ostream>
#include <thread>
#include <vector>

namespace vault::cli {
namespace {

namespace fs = std::filesystem;
constexpr char kMagic[] = "VAULTBAK1\n";
constexpr std::size_t kMagicSize = sizeof(kMagic) - 1;
constexpr std::uint32_t kMaxPath = 4096;

void put_be(std::ostream& out, std::uint64_t v, int bytes) {
  std::array<char, 8> b{};
  for (int i = 0; i < bytes; ++i) b[static_cast<std::size_t>(i)] = static_cast<char>(v >> (8 * (bytes - 1 - i)));
  out.write(b.data(), bytes);
}

bool get_be(std::istream& in, std::uint64_t& v, int bytes) {
  std::array<unsigned char, 8> b{};
  if (!in.read(reinterpret_cast<char*>(b.data()), bytes)) return false;
  v = 0;
  for (int i = 0; i < bytes; ++i) v = (v << 8) | b[static_cast<std::size_t>(i)];
  return true;
}

Error io_error(const std::string& what) { return Error(ErrorKind::InternalServer, what); }

/// SQLite's online backup of `src` into the new file `dst`: a consistent
/// snapshot; vaultd's writers only wait for the page copies of each step.
Status snapshot_database(const fs::path& src, const fs::path& dst) {
  sqlite3* from = nullptr;
  sqlite3* to = nullptr;
  auto close = [&] {
    sqlite3_close_v2(from);
    sqlite3_close_v2(to);
  };
  if (sqlite3_open_v2(src.c_str(), &from, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK ||
      sqlite3_open_v2(dst.c_str(), &to, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) != SQLITE_OK) {
    std::string m = "cannot open the database for the snapshot: ";
    m += sqlite3_errmsg(from ? (to ? to : from) : from);
    close();
    return std::unexpected(io_error(m));
  }
  sqlite3_busy_timeout(from, 5000);
  sqlite3_backup* b = sqlite3_backup_init(to, "main", from, "main");
  if (!b) {
    std::string m = std::string("cannot start the snapshot: ") + sqlite3_errmsg(to);
    close();
    return std::unexpected(io_error(m));
  }
  int rc;
  do {
    rc = sqlite3_backup_step(b, 1024);  // pages per step: writers get the lock in between
    if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  } while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
  sqlite3_backup_finish(b);
  const bool ok = rc == SQLITE_DONE && sqlite3_errcode(to) == SQLITE_OK;
  std::string m = ok ? "" : std::string("the snapshot failed: ") + sqlite3_errstr(rc);
  close();
  if (!ok) return std::unexpected(io_error(m));
  return {};
}

Status put_file(std::ostream& out, const std::string& name, const fs::path& file, BackupSummary& sum) {
  struct stat st{};
  if (::stat(file.c_str(), &st) != 0) return std::unexpected(io_error("cannot read " + file.string()));
  std::ifstream in(file, std::ios::binary);
  if (!in) return std::unexpected(io_error("cannot read " + file.string()));
  put_be(out, name.size(), 4);
  out.write(name.data(), static_cast<std::streamsize>(name.size()));
  put_be(out, st.st_mode & 07777, 4);
  put_be(out, static_cast<std::uint64_t>(st.st_size), 8);
  std::vector<char> buf(1 << 20);
  std::uint64_t left = static_cast<std::uint64_t>(st.st_size);
  while (left > 0) {
    const auto n = static_cast<std::streamsize>(std::min<std::uint64_t>(left, buf.size()));
    if (!in.read(buf.data(), n)) return std::unexpected(io_error(file.string() + " changed while it was read"));
    out.write(buf.data(), n);
    left -= static_cast<std::uint64_t>(n);
  }
  ++sum.files;
  sum.bytes += static_cast<std::uint64_t>(st.st_size);
  return {};
}

bool left_out(const std::string& rel) {
  if (rel == "meta.db" || rel == "meta.db-wal" || rel == "meta.db-shm" || rel == "meta.db-journal") return true;
  if (rel == "cache" || rel.starts_with("cache/")) return true;
  return rel.ends_with(".lock");
}

}  // namespace

Result<BackupSummary> write_backup_archive(const fs::path& data_dir, const fs::path& scratch, std::ostream& out) {
  const fs::path db = data_dir / "meta.db";
  std::error_code ec;
  if (!fs::is_regular_file(db, ec))
    return fail(ErrorKind::Validation, "no embedded metadata store (meta.db) in " + data_dir.string() +
                                           "; a PostgreSQL store is backed up with PostgreSQL's tools");
  const fs::path snap = scratch / "meta.db";
  if (auto s = snapshot_database(db, snap); !s) return std::unexpected(s.error());
  BackupSummary sum;
  out.write(kMagic, kMagicSize);
  if (auto s = put_file(out, "meta.db", snap, sum); !s) return std::unexpected(s.error());
  fs::remove(snap, ec);
  // Key material after the snapshot: the keyring only grows between the two
  // (a key purged in between is gone from both, as intended).
  std::vector<std::pair<std::string, fs::path>> files;
  for (auto it = fs::recursive_directory_iterator(data_dir, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    const std::string rel = fs::relative(it->path(), data_dir, ec).generic_string();
    if (left_out(rel)) {
      if (it->is_directory(ec)) it.disable_recursion_pending();
      continue;
    }
    if (it->is_regular_file(ec)) files.emplace_back(rel, it->path());
  }
  if (ec) return std::unexpected(io_error("cannot list " + data_dir.string() + ": " + ec.message()));
  std::sort(files.begin(), files.end());
  for (const auto& [rel, path] : files)
    if (auto s = put_file(out, rel, path, sum); !s) return std::unexpected(s.error());
  put_be(out, 0, 4);
  if (!out) return std::unexpected(io_error("cannot write the backup"));
  return sum;
}

Result<BackupSummary> restore_backup_archive(std::istream& in, const fs::path& data_dir) {
  std::error_code ec;
  if (fs::exists(data_dir, ec) && !fs::is_empty(data_dir, ec))
    return fail(ErrorKind::Validation, "the restore target " + data_dir.string() + " exists and is not empty");
  if (auto s = create_private_dirs(data_dir); !s) return std::unexpected(s.error());
  char magic[kMagicSize];
  if (!in.read(magic, kMagicSize) || std::string_view(magic, kMagicSize) != std::string_view(kMagic, kMagicSize))
    return fail(ErrorKind::Validation, "not a vault backup");
  BackupSummary sum;
  std::vector<char> buf(1 << 20);
  for (;;) {
    std::uint64_t len = 0, mode = 0, size = 0;
    if (!get_be(in, len, 4)) return fail(ErrorKind::Validation, "the backup is truncated");
    if (len == 0) break;
    if (len > kMaxPath) return fail(ErrorKind::Validation, "the backup holds an invalid path");
    std::string rel(len, '\0');
    if (!in.read(rel.data(), static_cast<std::streamsize>(len)) || !get_be(in, mode, 4) || !get_be(in, size, 8))
      return fail(ErrorKind::Validation, "the backup is truncated");
    const fs::path p = fs::path(rel).lexically_normal();
    if (p.is_absolute() || p.empty() || *p.begin() == ".." || rel.find('\0') != std::string::npos)
      return fail(ErrorKind::Validation, "the backup holds a path outside the data directory");
    const fs::path target = data_dir / p;
    if (auto s = create_private_dirs(target.parent_path()); !s) return std::unexpected(s.error());
    std::ofstream out(target, std::ios::binary | std::ios::trunc);
    ::chmod(target.c_str(), static_cast<mode_t>(mode & 0700));  // owner-only, whatever was recorded
    if (!out) return std::unexpected(io_error("cannot write " + target.string()));
    while (size > 0) {
      const auto n = static_cast<std::streamsize>(std::min<std::uint64_t>(size, buf.size()));
      if (!in.read(buf.data(), n)) return fail(ErrorKind::Validation, "the backup is truncated");
      out.write(buf.data(), n);
      size -= static_cast<std::uint64_t>(n);
      sum.bytes += static_cast<std::uint64_t>(n);
    }
    out.close();
    if (!out) return std::unexpected(io_error("cannot write " + target.string()));
    ++sum.files;
  }
  return sum;
}

}  // namespace vault::cli
