#include "vault/core/ids.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <ctime>
#include <random>
#include <set>
#include <string>
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

/// What format_rfc3339 printed with gmtime_r and snprintf (the reference).
std::string rfc3339_by_gmtime(std::int64_t micros) {
  std::time_t secs = static_cast<std::time_t>(micros / 1000000);
  const int ms = static_cast<int>((micros % 1000000) / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
  return buf;
}

TEST(Ids, Rfc3339AgreesWithGmtime) {
  // Edges: the epoch, leap days, century years (2000 leap, 2100 not), the
  // last instant of 9999, and days around month ends.
  const std::int64_t day = 86400LL * 1000000;
  std::vector<std::int64_t> at = {0, 999, 1000, 999999, 1000000, day - 1, day, 951782400LL * 1000000 /* 2000-02-29 */,
                                  951868800LL * 1000000 - 1, 4107542400LL * 1000000 /* 2100-03-01 */,
                                  253402300799999999LL /* 9999-12-31T23:59:59.999 */};
  std::mt19937_64 rng(7);
  std::uniform_int_distribution<std::int64_t> any(0, 253402300799999999LL);
  for (int i = 0; i < 200000; ++i) at.push_back(any(rng));
  for (std::int64_t d = 0; d < 3 * 366; ++d) at.push_back(1700000000LL * 1000000 + d * day);  // every day of 3 years
  for (auto t : at) ASSERT_EQ(format_rfc3339(t), rfc3339_by_gmtime(t)) << t;
  EXPECT_EQ(format_rfc3339(-5), "1970-01-01T00:00:00.000Z");  // before the epoch: the epoch
}

TEST(Ids, TimeAndHash) {
  EXPECT_EQ(format_rfc3339(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(format_rfc3339(1700000000123456), "2023-11-14T22:13:20.123Z");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(random_token(32).size(), 43u);
}

}  // namespace
}  // namespace vault
