#include "storage/sqlite_database.hpp"

#include "storage/sqlite_migrations.hpp"
#include "storage/sqlite_rows.hpp"
#include "vault/core/private_files.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <variant>

namespace vault::storage {

using sqlite::Connection;
using sqlite::exists;

namespace {

constexpr std::size_t kMaxIdleReaders = 8;
constexpr std::size_t kMaxGroupJobs = 512;

/// The database file is created 0600 before SQLite opens it (SQLite gives
/// its -wal and -shm files the database file's mode), and existing files
/// with group/other bits are tightened.
Status make_database_files_private(const std::string& path) {
  if (path.empty() || path == ":memory:" || path.starts_with("file:")) return {};
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0)
    return fail(ErrorKind::Database, "cannot create the database file " + path + ": " + std::strerror(errno));
  ::close(fd);
  for (const char* suffix : {"", "-wal", "-shm", "-journal"})
    if (auto t = tighten_path(path + suffix); !t) return fail(ErrorKind::Database, t.error().message());
  return {};
}

}  // namespace

Result<std::unique_ptr<SqliteDatabase>> SqliteDatabase::open(const std::string& path) {
  if (auto s = make_database_files_private(path); !s) return std::unexpected(s.error());
  auto conn = Connection::open(path, /*read_only=*/false);
  if (!conn) return std::unexpected(conn.error());
  auto version = sqlite::migrate(**conn);
  if (!version) return std::unexpected(version.error());
  auto writer = std::make_unique<sqlite::Writer>(std::move(*conn), kMaxGroupJobs);
  return std::unique_ptr<SqliteDatabase>(new SqliteDatabase(std::move(writer), path, *version));
}

SqliteDatabase::SqliteDatabase(std::unique_ptr<sqlite::Writer> writer, std::string path, int schema_version)
    : writer_(std::move(writer)),
      readers_(std::move(path), kMaxIdleReaders),
      schema_version_(schema_version) {}

SqliteDatabase::~SqliteDatabase() {
  close();
}

void SqliteDatabase::close() {
  closed_.store(true);
  writer_->stop();
  readers_.close();
}

Status SqliteDatabase::ping() {
  if (closed_.load()) return fail(ErrorKind::Database, "the store is closed");
  auto probe = [this] {
    return read_direct<std::monostate>([](Connection& c) -> Result<std::monostate> {
      auto st = c.prepare("SELECT count(*) FROM schema_migrations");
      auto row = exists(st);
      if (!row) return std::unexpected(row.error());
      return std::monostate{};
    });
  };
  auto r = guard_ ? guard_->probe(probe) : probe();
  if (!r) return std::unexpected(r.error());
  return {};
}

}  // namespace vault::storage
