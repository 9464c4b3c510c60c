#include "storage/file_blob_store.hpp"

#include "support/temp_dir.hpp"
#include "vault/storage/factory.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <mutex>

namespace vault::storage {
namespace {

TEST(FileBlobStore, LeftoverTempFilesAreInvisible) {
  const auto root = testing::process_temp_dir().fresh("leftover");
  auto s = FileBlobStore::open(root);
  ASSERT_TRUE(s);
  ASSERT_TRUE((*s)->put("a/b", "x"));
  std::ofstream(root / "a" / "b~123.4.5") << "half written";  // what a crash mid-put leaves
  auto l = (*s)->list("");
  ASSERT_TRUE(l);
  EXPECT_EQ(*l, std::vector<std::string>{"a/b"});
}

TEST(FileBlobStore, KeyThatIsAPrefixDirectoryIsNotAnObject) {
  auto s = FileBlobStore::open(testing::process_temp_dir().fresh("prefix"));
  ASSERT_TRUE(s);
  ASSERT_TRUE((*s)->put("dir/obj", "x"));
  auto e = (*s)->exists("dir");
  ASSERT_TRUE(e);
  EXPECT_FALSE(*e);
  auto g = (*s)->get("dir");
  ASSERT_FALSE(g);
  EXPECT_EQ(g.error().kind(), ErrorKind::ResourceNotFound);
  auto p = (*s)->put("dir/obj/deeper", "y");  // "dir/obj" is an object, not a prefix
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().kind(), ErrorKind::BlobStorage);
}

TEST(BlobStoreFactory, FileUrls) {
  const auto dir = testing::process_temp_dir().fresh("factory");
  auto s = open_blob_store("file://" + dir.string() + "/nested");
  ASSERT_TRUE(s) << s.error().message();
  ASSERT_TRUE((*s)->put("k", "v"));
  EXPECT_TRUE(std::filesystem::exists(dir / "nested" / "k"));
  for (const std::string bad : {"gs://bucket/x", "file://relative/dir", "file://", "/just/a/path", ""}) {
    auto r = open_blob_store(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().kind(), ErrorKind::Configuration) << bad;
  }
}

}  // namespace
}  // namespace vault::storage
