#include "vault/core/private_files.hpp"

#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <random>

namespace vault {
namespace {
namespace fs = std::filesystem;

unsigned mode_of(const fs::path& p) {
  struct stat st {};
  EXPECT_EQ(::lstat(p.c_str(), &st), 0) << p;
  return st.st_mode & 07777;
}

class PrivateFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("vault-private-" + std::to_string(::getpid()) + "-" +
                                         std::to_string(std::random_device{}()));
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(root_, ec);
  }
  void touch(const fs::path& p, unsigned mode) {
    std::ofstream(p) << "x";
    ASSERT_EQ(::chmod(p.c_str(), mode), 0);
  }
  fs::path root_;
};

TEST_F(PrivateFiles, MakePrivateDirCreatesParentsOwnerOnly) {
  const mode_t old = ::umask(022);
  auto r = make_private_dir(root_ / "a" / "b");
  ::umask(old);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_TRUE(r->empty());
  EXPECT_EQ(mode_of(root_), 0700u);
  EXPECT_EQ(mode_of(root_ / "a"), 0700u);
  EXPECT_EQ(mode_of(root_ / "a" / "b"), 0700u);
}

TEST_F(PrivateFiles, CreatePrivateDirsLeavesExistingDirectoriesAlone) {
  fs::create_directories(root_);
  ASSERT_EQ(::chmod(root_.c_str(), 0755), 0);
  ASSERT_TRUE(create_private_dirs(root_ / "keys"));
  EXPECT_EQ(mode_of(root_), 0755u);
  EXPECT_EQ(mode_of(root_ / "keys"), 0700u);
  touch(root_ / "file", 0600);
  EXPECT_FALSE(create_private_dirs(root_ / "file"));  // not a directory
}

TEST_F(PrivateFiles, TightensAnExistingLooseTreeAndReportsEachPath) {
  fs::create_directories(root_ / "blobs" / "x");
  ASSERT_EQ(::chmod(root_.c_str(), 0755), 0);
  ASSERT_EQ(::chmod((root_ / "blobs").c_str(), 0775), 0);
  ASSERT_EQ(::chmod((root_ / "blobs" / "x").c_str(), 0700), 0);  // already fine
  touch(root_ / "meta.db", 0644);
  touch(root_ / "meta.db-wal", 0666);
  touch(root_ / "blobs" / "x" / "obj", 0640);
  touch(root_ / "master.key", 0600);  // already fine
  fs::create_symlink("/etc/hostname", root_ / "link");

  auto d = make_private_dir(root_);
  ASSERT_TRUE(d) << d.error().message();
  ASSERT_EQ(d->size(), 1u);
  EXPECT_EQ(d->front().old_mode, 0755u);
  auto r = tighten_tree(root_);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->size(), 4u);  // blobs, meta.db, meta.db-wal, blobs/x/obj
  for (const auto& t : *r) {
    EXPECT_NE(t.old_mode & 077, 0u) << t.path;
    EXPECT_EQ(t.new_mode & 077, 0u) << t.path;
  }
  for (const auto& e : fs::recursive_directory_iterator(root_)) {
    if (e.is_symlink()) continue;
    EXPECT_EQ(mode_of(e.path()), e.is_directory() ? 0700u : 0600u) << e.path();
  }
  EXPECT_EQ(mode_of(root_), 0700u);
  // Idempotent: a second walk changes nothing.
  auto again = tighten_tree(root_);
  ASSERT_TRUE(again);
  EXPECT_TRUE(again->empty());
}

TEST_F(PrivateFiles, AbsentPathsAreNothingToDo) {
  auto r = tighten_tree(root_ / "nope");
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->empty());
  auto p = tighten_path(root_ / "nope.db-shm");
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->empty());
  EXPECT_EQ(octal_mode(0644), "0644");
}

}  // namespace
}  // namespace vault
