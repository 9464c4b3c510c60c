// The stores create owner-only files whatever the umask: the SQLite database
// (and so its -wal/-shm) 0600, blob objects 0600 in 0700 directories; an
// existing database file with group/other bits is tightened before opening.
#include "support/temp_dir.hpp"
#include "vault/storage/factory.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

namespace vault::storage {
namespace {
namespace fs = std::filesystem;

unsigned mode_of(const fs::path& p) {
  struct stat st {};
  EXPECT_EQ(::stat(p.c_str(), &st), 0) << p;
  return st.st_mode & 0777;
}

/// Runs `f` with a permissive umask, restoring the old one.
template <class F>
void with_umask(mode_t mask, F f) {
  const mode_t old = ::umask(mask);
  f();
  ::umask(old);
}

TEST(PrivateModes, SqliteDatabaseWalAndShmAreOwnerOnly) {
  testing::TempDir dir;
  const fs::path db = dir.path() / "sub" / "meta.db";
  with_umask(0, [&] {
    auto s = open_metadata_store("sqlite://" + db.string());
    ASSERT_TRUE(s) << s.error().message();
    ASSERT_TRUE((*s)->stores().ops.ping());
    ASSERT_TRUE((*s)->stores().tenants.create_tenant(Tenant{"t1", "acme", "active", 1}));
    EXPECT_EQ(mode_of(db), 0600u);
    EXPECT_EQ(mode_of(db.string() + "-wal"), 0600u);
    EXPECT_EQ(mode_of(db.string() + "-shm"), 0600u);
    EXPECT_EQ(mode_of(db.parent_path()), 0700u);  // created by the store
    (*s)->stores().ops.close();
  });
}

TEST(PrivateModes, LooseExistingDatabaseFilesAreTightened) {
  testing::TempDir dir;
  const fs::path db = dir.path() / "meta.db";
  {
    auto s = open_metadata_store("sqlite://" + db.string());
    ASSERT_TRUE(s);
    (*s)->stores().ops.close();
  }
  ASSERT_EQ(::chmod(db.c_str(), 0644), 0);
  std::ofstream(db.string() + "-shm").put('\0');
  ASSERT_EQ(::chmod((db.string() + "-shm").c_str(), 0666), 0);
  auto s = open_metadata_store("sqlite://" + db.string());
  ASSERT_TRUE(s) << s.error().message();
  EXPECT_EQ(mode_of(db), 0600u);
  EXPECT_EQ(mode_of(db.string() + "-shm"), 0600u);
  (*s)->stores().ops.close();
}

TEST(PrivateModes, BlobObjectsAndDirectoriesAreOwnerOnly) {
  testing::TempDir dir;
  const fs::path root = dir.path() / "blobs";
  with_umask(0, [&] {
    auto b = open_blob_store("file://" + root.string());
    ASSERT_TRUE(b) << b.error().message();
    ASSERT_TRUE((*b)->put("exports/t1/x.jsonl", "data"));
    EXPECT_EQ(mode_of(root), 0700u);
    EXPECT_EQ(mode_of(root / "exports"), 0700u);
    EXPECT_EQ(mode_of(root / "exports" / "t1"), 0700u);
    EXPECT_EQ(mode_of(root / "exports" / "t1" / "x.jsonl"), 0600u);
  });
}

}  // namespace
}  // namespace vault::storage
