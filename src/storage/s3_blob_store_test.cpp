// What is the S3 blob store's own, beyond the blob conformance suite:
// multipart uploads, URL parsing, credentials the server refuses, a server
// that is down.
#include "storage/s3_blob_store.hpp"
#include "support/test_services.hpp"
#include "vault/storage/factory.hpp"

#include <gtest/gtest.h>

#include <chrono>

namespace vault::storage {
namespace {

TEST(S3BlobStore, LargeObjectsGoUpInPartsAndReadBackWhole) {
  // 5 MiB parts (the S3 minimum) from 6 MiB on: 11 MiB + 3 bytes is three parts.
  auto s = open_blob_store(testing::fresh_s3_url() + "&multipart_threshold=6291456&part_size=5242880");
  ASSERT_TRUE(s) << s.error().message();
  std::string big((11u << 20) + 3, '\0');
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>((i * 7919) % 253);
  ASSERT_TRUE((*s)->put("backups/b1/records.bin", big));
  auto g = (*s)->get("backups/b1/records.bin");
  ASSERT_TRUE(g) << g.error().message();
  EXPECT_TRUE(*g == big);
  auto l = (*s)->list("backups/");
  ASSERT_TRUE(l);
  EXPECT_EQ(*l, std::vector<std::string>{"backups/b1/records.bin"});
}

TEST(S3BlobStore, UrlsAreParsedStrictly) {
  ::setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE", 1);
  ::setenv("AWS_SECRET_ACCESS_KEY", "not-a-real-secret-value", 1);
  auto c = s3::parse_url("s3://my-bucket/some/prefix?endpoint=http%3A%2F%2F127.0.0.1%3A9000&region=eu-west-1");
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_EQ(c->bucket, "my-bucket");
  EXPECT_EQ(c->prefix, "some/prefix/");
  EXPECT_EQ(c->endpoint, "http://127.0.0.1:9000");
  EXPECT_EQ(c->region, "eu-west-1");
  EXPECT_TRUE(c->path_style);
  auto aws = s3::parse_url("s3://my-bucket?region=eu-west-1");
  ASSERT_TRUE(aws);
  EXPECT_EQ(aws->endpoint, "https://s3.eu-west-1.amazonaws.com");
  EXPECT_FALSE(aws->path_style);
  for (const std::string bad : {"s3://", "s3://Upper?endpoint=http://x", "s3://b?endpoint=ftp://x",
                                "s3://b?colour=blue", "s3://b?path_style=maybe", "s3://b?part_size=lots"}) {
    auto r = s3::parse_url(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().kind(), ErrorKind::Configuration) << bad;
    EXPECT_EQ(r.error().message().find("not-a-real-secret-value"), std::string::npos);
  }
  ::unsetenv("AWS_SECRET_ACCESS_KEY");
  auto nocreds = s3::parse_url("s3://my-bucket?endpoint=http://127.0.0.1:9000");
  ASSERT_FALSE(nocreds);
  EXPECT_EQ(nocreds.error().kind(), ErrorKind::Configuration);
}

// s3rver checks the access key id of a SigV4 request but not the signature
// (lib/middleware/authentication.js); the signature itself is checked
// against the AWS documentation's worked example (sigv4_test.cpp).
TEST(S3BlobStore, AnUnknownAccessKeyIsRefusedAsBlobStorage) {
  const std::string url = testing::fresh_s3_url();
  ::setenv("AWS_ACCESS_KEY_ID", "AKIDUNKNOWN", 1);
  ::setenv("AWS_SECRET_ACCESS_KEY", "wrong-secret", 1);
  auto s = open_blob_store(url);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().kind(), ErrorKind::BlobStorage);
  EXPECT_NE(s.error().message().find("403"), std::string::npos) << s.error().message();
  EXPECT_EQ(s.error().message().find("wrong-secret"), std::string::npos);
}

TEST(S3BlobStore, AServerThatIsDownFailsFastWithBlobStorage) {
  ::setenv("AWS_ACCESS_KEY_ID", "S3RVER", 1);
  ::setenv("AWS_SECRET_ACCESS_KEY", "S3RVER", 1);
  const auto t0 = std::chrono::steady_clock::now();
  auto s = open_blob_store("s3://vault-test?endpoint=http://127.0.0.1:1");
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().kind(), ErrorKind::BlobStorage);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(2));
}

}  // namespace
}  // namespace vault::storage
