#pragma once
/// Conformance suite for vault::crypto::KeyProvider. Every implementation
/// (local keyring, PKCS#11) must pass it unchanged. Instantiate with
///
///   INSTANTIATE_TEST_SUITE_P(Local, KeyProviderConformance,
///       ::testing::Values(KeyProviderParam{"local", [] { return ...harness...; }}),
///       KeyProviderParamName);
///
/// A harness owns one backing store (a keyring file, a token) and opens
/// providers on it; `open()` may be called again after the previous provider
/// was destroyed (persistence). Tests use tenant ids unique to the test, so a
/// harness may share its store between tests.
#include "vault/crypto/key_provider.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

namespace vault::crypto::conformance {

class KeyProviderHarness {
 public:
  virtual ~KeyProviderHarness() = default;
  /// A provider on this harness's store (nullptr/error = test failure).
  virtual Result<std::unique_ptr<KeyProvider>> open() = 0;
};

struct KeyProviderParam {
  std::string name;
  std::function<std::unique_ptr<KeyProviderHarness>()> make;
};
inline void PrintTo(const KeyProviderParam& p, std::ostream* os) { *os << p.name; }
inline std::string KeyProviderParamName(const ::testing::TestParamInfo<KeyProviderParam>& i) {
  return i.param.name;
}

class KeyProviderConformance : public ::testing::TestWithParam<KeyProviderParam> {
 protected:
  void SetUp() override {
    harness_ = GetParam().make();
    ASSERT_TRUE(harness_);
    reopen();
  }
  void reopen() {
    provider_.reset();
    auto p = harness_->open();
    ASSERT_TRUE(p) << p.error().message();
    provider_ = std::move(*p);
  }
  KeyProvider& kp() { return *provider_; }
  /// A tenant id unique to this test (harnesses may share a store).
  static std::string tenant(const std::string& name) {
    return std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()) + "-" + name;
  }
  static SecureBytes dek(std::uint8_t fill) {
    SecureBytes b(32);
    for (auto& c : b.span()) c = fill;
    return b;
  }
  static void expect_kind(const Error& e, ErrorKind k) { EXPECT_EQ(e.kind(), k) << e.message(); }

  std::unique_ptr<KeyProviderHarness> harness_;
  std::unique_ptr<KeyProvider> provider_;
};

TEST_P(KeyProviderConformance, PingAndKind) {
  EXPECT_TRUE(kp().ping());
  EXPECT_FALSE(kp().kind().empty());
}

TEST_P(KeyProviderConformance, EnsureKekCreatesVersionOneOnce) {
  const auto t = tenant("a");
  auto none = kp().current_version(t);
  ASSERT_FALSE(none);
  expect_kind(none.error(), ErrorKind::KeyRetrieval);
  auto nv = kp().versions(t);
  ASSERT_TRUE(nv);
  EXPECT_TRUE(nv->empty());
  ASSERT_TRUE(kp().ensure_kek(t));
  ASSERT_TRUE(kp().ensure_kek(t));
  EXPECT_EQ(kp().current_version(t).value_or(0), 1u);
  EXPECT_EQ(kp().versions(t).value_or(std::vector<std::uint32_t>{}), std::vector<std::uint32_t>{1});
}

TEST_P(KeyProviderConformance, WrapUnwrapRoundTrip) {
  const auto t = tenant("a");
  ASSERT_TRUE(kp().ensure_kek(t));
  const auto key = dek(0xAB);
  auto w = kp().wrap(t, key);
  ASSERT_TRUE(w) << w.error().message();
  EXPECT_EQ(w->kek_id, kek_id_for(t));
  EXPECT_EQ(w->kek_version, 1u);
  EXPECT_EQ(w->bytes.find(std::string(key.view())), std::string::npos);
  auto w2 = kp().wrap(t, key);
  ASSERT_TRUE(w2);
  EXPECT_NE(w->bytes, w2->bytes);  // randomized
  auto u = kp().unwrap(t, *w);
  ASSERT_TRUE(u) << u.error().message();
  EXPECT_TRUE(*u == key);
  auto parsed = parse_wrapped_key(serialize_wrapped_key(*w));
  ASSERT_TRUE(parsed);
  auto u2 = kp().unwrap(t, *parsed);
  ASSERT_TRUE(u2);
  EXPECT_TRUE(*u2 == key);
}

TEST_P(KeyProviderConformance, WrapWithoutKekFails) {
  auto w = kp().wrap(tenant("nokek"), dek(1));
  ASSERT_FALSE(w);
  expect_kind(w.error(), ErrorKind::KeyRetrieval);
  auto r = kp().rotate(tenant("nokek"));
  ASSERT_FALSE(r);
  expect_kind(r.error(), ErrorKind::KeyRetrieval);
}

TEST_P(KeyProviderConformance, AnotherTenantsKekCannotUnwrap) {
  const auto a = tenant("a"), b = tenant("b");
  ASSERT_TRUE(kp().ensure_kek(a));
  ASSERT_TRUE(kp().ensure_kek(b));
  auto w = kp().wrap(a, dek(7));
  ASSERT_TRUE(w);
  auto u = kp().unwrap(b, *w);
  ASSERT_FALSE(u);
  // Relabelled as b's key: still fails (the tenant is bound into the wrap).
  WrappedKey relabelled = *w;
  relabelled.kek_id = kek_id_for(b);
  EXPECT_FALSE(kp().unwrap(b, relabelled));
}

TEST_P(KeyProviderConformance, TamperedWrapFails) {
  const auto t = tenant("a");
  ASSERT_TRUE(kp().ensure_kek(t));
  auto w = kp().wrap(t, dek(3));
  ASSERT_TRUE(w);
  for (std::size_t i = 0; i < w->bytes.size(); i += 5) {
    WrappedKey x = *w;
    x.bytes[i] = static_cast<char>(x.bytes[i] ^ 0x40);
    auto u = kp().unwrap(t, x);
    ASSERT_FALSE(u) << "byte " << i;
  }
  WrappedKey wrong_version = *w;
  wrong_version.kek_version = 2;
  EXPECT_FALSE(kp().unwrap(t, wrong_version));
  WrappedKey truncated = *w;
  truncated.bytes.resize(truncated.bytes.size() - 1);
  EXPECT_FALSE(kp().unwrap(t, truncated));
}

TEST_P(KeyProviderConformance, RotationKeepsOldVersionsUntilRetired) {
  const auto t = tenant("a");
  ASSERT_TRUE(kp().ensure_kek(t));
  auto w1 = kp().wrap(t, dek(1));
  ASSERT_TRUE(w1);
  auto v2 = kp().rotate(t);
  ASSERT_TRUE(v2) << v2.error().message();
  EXPECT_EQ(*v2, 2u);
  EXPECT_EQ(kp().current_version(t).value_or(0), 2u);
  auto w2 = kp().wrap(t, dek(2));
  ASSERT_TRUE(w2);
  EXPECT_EQ(w2->kek_version, 2u);
  auto u1 = kp().unwrap(t, *w1);
  ASSERT_TRUE(u1);
  EXPECT_TRUE(*u1 == dek(1));
  EXPECT_EQ(kp().versions(t).value_or(std::vector<std::uint32_t>{}), (std::vector<std::uint32_t>{1, 2}));

  auto cur = kp().retire(t, 2);  // the current version cannot be retired
  ASSERT_FALSE(cur);
  expect_kind(cur.error(), ErrorKind::Conflict);

  ASSERT_TRUE(kp().retire(t, 1));
  ASSERT_TRUE(kp().retire(t, 1));  // idempotent
  auto gone = kp().unwrap(t, *w1);
  ASSERT_FALSE(gone);
  expect_kind(gone.error(), ErrorKind::KeyRetrieval);
  EXPECT_EQ(kp().versions(t).value_or(std::vector<std::uint32_t>{}), std::vector<std::uint32_t>{2});
  auto u2 = kp().unwrap(t, *w2);
  ASSERT_TRUE(u2);
  EXPECT_TRUE(*u2 == dek(2));
  auto v3 = kp().rotate(t);
  ASSERT_TRUE(v3);
  EXPECT_EQ(*v3, 3u);
  auto missing = kp().retire(t, 99);
  ASSERT_FALSE(missing);
  expect_kind(missing.error(), ErrorKind::KeyRetrieval);
}

TEST_P(KeyProviderConformance, DestroyShredsEveryVersionAndOnlyThatTenant) {
  const auto t = tenant("a"), other = tenant("b");
  ASSERT_TRUE(kp().ensure_kek(t));
  ASSERT_TRUE(kp().ensure_kek(other));
  auto w1 = kp().wrap(t, dek(1));
  ASSERT_TRUE(kp().rotate(t));
  auto w2 = kp().wrap(t, dek(2));
  auto wo = kp().wrap(other, dek(3));
  ASSERT_TRUE(w1 && w2 && wo);
  ASSERT_TRUE(kp().destroy(t));
  ASSERT_TRUE(kp().destroy(t));  // idempotent
  EXPECT_FALSE(kp().unwrap(t, *w1));
  EXPECT_FALSE(kp().unwrap(t, *w2));
  EXPECT_FALSE(kp().current_version(t));
  EXPECT_TRUE(kp().versions(t).value_or(std::vector<std::uint32_t>{1}).empty());
  EXPECT_TRUE(kp().unwrap(other, *wo));
  // A new KEK for the same tenant id is unrelated to the destroyed one.
  ASSERT_TRUE(kp().ensure_kek(t));
  EXPECT_FALSE(kp().unwrap(t, *w1));
  reopen();
  EXPECT_FALSE(kp().unwrap(t, *w1));
  EXPECT_FALSE(kp().unwrap(t, *w2));
  EXPECT_TRUE(kp().unwrap(other, *wo));
}

TEST_P(KeyProviderConformance, StatePersistsAcrossReopen) {
  const auto t = tenant("a");
  ASSERT_TRUE(kp().ensure_kek(t));
  auto w1 = kp().wrap(t, dek(1));
  ASSERT_TRUE(kp().rotate(t));
  ASSERT_TRUE(kp().rotate(t));
  auto w3 = kp().wrap(t, dek(3));
  ASSERT_TRUE(kp().retire(t, 2));
  ASSERT_TRUE(w1 && w3);
  reopen();
  EXPECT_EQ(kp().current_version(t).value_or(0), 3u);
  EXPECT_EQ(kp().versions(t).value_or(std::vector<std::uint32_t>{}), (std::vector<std::uint32_t>{1, 3}));
  auto u1 = kp().unwrap(t, *w1);
  auto u3 = kp().unwrap(t, *w3);
  ASSERT_TRUE(u1 && u3);
  EXPECT_TRUE(*u1 == dek(1));
  EXPECT_TRUE(*u3 == dek(3));
  auto v4 = kp().rotate(t);
  ASSERT_TRUE(v4);
  EXPECT_EQ(*v4, 4u);
}

TEST_P(KeyProviderConformance, ConcurrentWrapUnwrapAndRotate) {
  const auto t = tenant("a");
  ASSERT_TRUE(kp().ensure_kek(t));
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i)
    threads.emplace_back([&, i] {
      for (int j = 0; j < 50; ++j) {
        const auto key = dek(static_cast<std::uint8_t>(i * 50 + j));
        auto w = kp().wrap(t, key);
        if (!w) {
          ++failures;
          continue;
        }
        auto u = kp().unwrap(t, *w);
        if (!u || !(*u == key)) ++failures;
      }
    });
  threads.emplace_back([&] {
    for (int j = 0; j < 3; ++j)
      if (!kp().rotate(t)) ++failures;
  });
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(kp().current_version(t).value_or(0), 4u);
}

}  // namespace vault::crypto::conformance
