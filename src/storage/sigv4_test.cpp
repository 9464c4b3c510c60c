#include "storage/sigv4.hpp"

#include "vault/core/ids.hpp"

#include <gtest/gtest.h>

namespace vault::storage::sigv4 {
namespace {

// The worked example "GET Object" of the Amazon S3 API Reference
// (sig-v4-header-based-auth): bucket examplebucket, key test.txt, a Range
// header, the documentation's example credentials, 2013-05-24 00:00:00 UTC.
TEST(SigV4, MatchesTheS3DocumentationExample) {
  Request r;
  r.method = "GET";
  r.path = "/test.txt";
  r.payload_sha256 = vault::sha256_hex("");
  r.headers = {{"host", "examplebucket.s3.amazonaws.com"},
               {"range", "bytes=0-9"},
               {"x-amz-content-sha256", r.payload_sha256},
               {"x-amz-date", "20130524T000000Z"}};
  const Credentials c{"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", ""};
  EXPECT_EQ(r.payload_sha256, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(authorization(r, c, "us-east-1", "20130524T000000Z"),
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
            "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
            "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
}

TEST(SigV4, EncodesPathsAndQueriesTheAwsWay) {
  EXPECT_EQ(uri_encode("a b/c~d*e", true), "a%20b/c~d%2Ae");
  EXPECT_EQ(uri_encode("a/b", false), "a%2Fb");
  EXPECT_EQ(canonical_query({{"prefix", "x/y"}, {"list-type", "2"}, {"uploads", ""}}),
            "list-type=2&prefix=x%2Fy&uploads=");
}

}  // namespace
}  // namespace vault::storage::sigv4
