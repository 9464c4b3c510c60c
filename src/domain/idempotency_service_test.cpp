// IdempotencyService over the real SQLite store, with and without the
// tenant keyring (encryption at rest on / off), time driven by a ManualClock.
#include "domain/transit_test_fixture.hpp"
#include "vault/core/clock.hpp"
#include "vault/core/ids.hpp"
#include "vault/domain/idempotency_service.hpp"

namespace vault::domain::testing {
namespace {

class Idempotency : public KeyringTest {
 protected:
  IdempotencyService sealed() { return IdempotencyService(stores().idempotency, keyring_.get(), provider_.get(), kTtl, clock_); }
  IdempotencyService plain() { return IdempotencyService(stores().idempotency, nullptr, nullptr, kTtl, clock_); }
  static StoredAnswer answer(std::string body) {
    return StoredAnswer{201, "application/json", {{"etag", "\"1\""}, {"location", "/x/1"}}, std::move(body)};
  }
  static constexpr std::chrono::seconds kTtl{3600};
  ManualClock clock_;
};

TEST_F(Idempotency, TheFirstAnswerIsReplayedForTheSameRequestWithinTheTtl) {
  auto svc = sealed();
  const std::string req = "POST\n/api/v1/datasets\n{\"name\":\"a\"}";
  auto none = svc.replay("t1", "k1", req);
  ASSERT_TRUE(none) << none.error().message();
  EXPECT_FALSE(*none);
  ASSERT_TRUE(svc.remember("t1", "k1", req, answer(R"({"id":"ds_1"})")));

  clock_.advance(kTtl - std::chrono::seconds(1));
  auto again = svc.replay("t1", "k1", req);
  ASSERT_TRUE(again) << again.error().message();
  ASSERT_TRUE(*again);
  EXPECT_EQ((*again)->status, 201);
  EXPECT_EQ((*again)->content_type, "application/json");
  EXPECT_EQ((*again)->body, R"({"id":"ds_1"})");
  ASSERT_EQ((*again)->headers.size(), 2u);

  // Another request under the same key: 422; another tenant: its own key space.
  VAULT_EXPECT_KIND(svc.replay("t1", "k1", req + " "), ErrorKind::IdempotencyKeyReuse);
  EXPECT_FALSE(*svc.replay("t2", "k1", req));

  // Past the TTL the entry is no longer replayed, and housekeeping removes it.
  clock_.advance(std::chrono::seconds(1));
  EXPECT_FALSE(*svc.replay("t1", "k1", req));
  auto purged = svc.purge_expired();
  ASSERT_TRUE(purged);
  EXPECT_EQ(*purged, 1);
  EXPECT_FALSE(*stores().idempotency.get_idempotency("t1", "k1"));
}

TEST_F(Idempotency, WithTheKeyringTheBodyIsSealedAndTheFingerprintKeyed) {
  auto svc = sealed();
  const std::string canary = "canary-5c1d-body";
  const std::string req = "POST\n/api/v1/x\n" + canary;
  ASSERT_TRUE(svc.remember("t1", "k", req, answer(canary)));
  auto row = stores().idempotency.get_idempotency("t1", "k");
  ASSERT_TRUE(row && *row);
  EXPECT_EQ((*row)->body.find(canary), std::string::npos);
  EXPECT_EQ((*row)->body.rfind("E2", 0), 0u);
  EXPECT_EQ((*row)->request_hash.rfind("hmac-sha256:v1:", 0), 0u);
  EXPECT_EQ((*svc.replay("t1", "k", req))->body, canary);
  // A copy of the entry under another key does not open (associated data).
  storage::IdempotencyEntry moved = **row;
  moved.key = "k2";
  ASSERT_TRUE(stores().idempotency.put_idempotency(moved));
  VAULT_EXPECT_KIND(svc.replay("t1", "k2", req), ErrorKind::DecryptionOperation);
  // Replays keep working after the tenant key rotates (the old version stays readable).
  ASSERT_TRUE(keyring_->rotate("t1", "_idempotency"));
  EXPECT_EQ((*svc.replay("t1", "k", req))->body, canary);
}

TEST_F(Idempotency, WithoutTheKeyringEntriesAreStoredInClearAndStillMatch) {
  auto svc = plain();
  const std::string req = "POST\n/api/v1/x\n{}";
  ASSERT_TRUE(svc.remember("t1", "k", req, answer("{\"ok\":true}")));
  auto row = stores().idempotency.get_idempotency("t1", "k");
  ASSERT_TRUE(row && *row);
  EXPECT_EQ((*row)->body, "{\"ok\":true}");
  EXPECT_EQ((*row)->request_hash, sha256_hex(req));
  EXPECT_EQ((*svc.replay("t1", "k", req))->body, "{\"ok\":true}");
  VAULT_EXPECT_KIND(svc.replay("t1", "k", "POST\n/api/v1/x\n{ }"), ErrorKind::IdempotencyKeyReuse);
}

}  // namespace
}  // namespace vault::domain::testing
