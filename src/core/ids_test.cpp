#include "vault/core/ids.hpp"

#include <gtest/gtest.h>

#include <set>
#include <vector>

namespace vault {
namespace {

TEST(Ids, NewIdsAreValidUniqueAndSortByTime) {
  std::set<std::string> seen;
  std::string prev;
  for (int i = 0; i < 1000; ++i) {
    auto id = new_id("ds");
    EXPECT_TRUE(is_valid_id(id, "ds")) << id;
    EXPECT_TRUE(seen.insert(id).second);
    EXPECT_GE(id.substr(0, 13), prev.substr(0, std::min<size_t>(13, prev.size())));
    prev = id;
  }
  EXPECT_FALSE(is_valid_id("ds_abc", "ds"));
  EXPECT_FALSE(is_valid_id(new_id("rec"), "ds"));
  EXPECT_FALSE(is_valid_id("ds_01ARZ3NDEKTSV4RRFFQ69G5FA!", "ds"));
}

TEST(Ids, Base64UrlRoundTrip) {
  for (std::string s : std::vector<std::string>{"", "a", "ab", "abc", "abcd", std::string("\0\xff\x10", 3)}) {
    std::string out;
    ASSERT_TRUE(base64url_decode(base64url_encode(s), out));
    EXPECT_EQ(out, s);
  }
  std::string out;
  EXPECT_FALSE(base64url_decode("ab$c", out));
  EXPECT_FALSE(base64url_decode("a", out));
}

TEST(Ids, TimeAndHash) {
  EXPECT_EQ(format_rfc3339(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(format_rfc3339(1700000000123456), "2023-11-14T22:13:20.123Z");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(random_token(32).size(), 43u);
}

}  // namespace
}  // namespace vault
