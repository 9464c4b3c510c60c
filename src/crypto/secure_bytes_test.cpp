#include "vault/crypto/secure_bytes.hpp"

#include <gtest/gtest.h>

#include <string>
#include <type_traits>
#include <utility>

namespace vault::crypto {
namespace {

static_assert(!std::is_copy_constructible_v<SecureBytes>);
static_assert(!std::is_copy_assignable_v<SecureBytes>);
static_assert(std::is_nothrow_move_constructible_v<SecureBytes>);

TEST(SecureBytes, CopyOfAndViewHoldTheBytes) {
  auto b = SecureBytes::copy_of(std::string_view("abc"));
  ASSERT_EQ(b.size(), 3u);
  EXPECT_EQ(b.view(), "abc");
  SecureBytes z(4);
  EXPECT_EQ(z.view(), std::string_view("\0\0\0\0", 4));
}

TEST(SecureBytes, MovedFromIsEmptyAndTargetOwnsTheBytes) {
  auto a = SecureBytes::copy_of(std::string_view("secret"));
  const std::uint8_t* p = a.data();
  SecureBytes b(std::move(a));
  EXPECT_TRUE(a.empty());  // NOLINT(bugprone-use-after-move): checking the contract
  EXPECT_EQ(a.data(), nullptr);
  EXPECT_EQ(b.data(), p);
  EXPECT_EQ(b.view(), "secret");
  SecureBytes c = SecureBytes::copy_of(std::string_view("other"));
  c = std::move(b);
  EXPECT_TRUE(b.empty());  // NOLINT(bugprone-use-after-move)
  EXPECT_EQ(c.view(), "secret");
}

TEST(SecureBytes, CloneIsDeepAndClearEmpties) {
  auto a = SecureBytes::copy_of(std::string_view("key!"));
  auto b = a.clone();
  EXPECT_NE(a.data(), b.data());
  EXPECT_TRUE(a == b);
  b.data()[0] ^= 1;
  EXPECT_FALSE(a == b);
  a.clear();
  EXPECT_TRUE(a.empty());
  EXPECT_FALSE(a == b);
}

TEST(SecureBytes, RandomDiffers) {
  auto a = SecureBytes::random(32);
  auto b = SecureBytes::random(32);
  EXPECT_EQ(a.size(), 32u);
  EXPECT_FALSE(a == b);
}

TEST(SecureBytes, WipeStringZeroesAndClears) {
  std::string s = "sensitive";
  wipe_string(s);
  EXPECT_TRUE(s.empty());
}

}  // namespace
}  // namespace vault::crypto
