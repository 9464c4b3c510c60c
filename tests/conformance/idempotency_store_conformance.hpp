#pragma once
/// Conformance suite of IdempotencyStore (idempotency_store.hpp).
/// Fixture, helpers and how to instantiate: store_conformance.hpp.
#include "conformance/store_conformance.hpp"

namespace vault::storage::conformance {

class IdempotencyStoreConformance : public StoreConformance {};

TEST_P(IdempotencyStoreConformance, IdempotencyPutOnceGetPurge) {
  IdempotencyEntry e{"t1", "key-1", "h1", 201, R"({"ETag":"1"})", std::string("body\0bin", 8), 1000};
  auto p = s().idempotency.put_idempotency(e);
  ASSERT_TRUE(p) << p.error().message();
  EXPECT_EQ(p->request_hash, "h1");
  EXPECT_EQ(p->body, e.body);
  // A second put for the same (tenant, key) keeps and returns the first entry.
  IdempotencyEntry e2 = e;
  e2.request_hash = "h2";
  e2.status = 500;
  e2.body = "other";
  e2.created_at = 2000;
  p = s().idempotency.put_idempotency(e2);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->request_hash, "h1");
  EXPECT_EQ(p->status, 201);
  EXPECT_EQ(p->body, e.body);
  EXPECT_EQ(p->headers_json, R"({"ETag":"1"})");
  EXPECT_EQ(p->created_at, 1000);
  // Another tenant's same key is a different entry.
  IdempotencyEntry e3 = e2;
  e3.tenant_id = "t2";
  p = s().idempotency.put_idempotency(e3);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->request_hash, "h2");

  auto g = s().idempotency.get_idempotency("t1", "key-1");
  ASSERT_TRUE(g);
  ASSERT_TRUE(g->has_value());
  EXPECT_EQ((*g)->status, 201);
  EXPECT_EQ((*g)->body, e.body);
  auto none = s().idempotency.get_idempotency("t1", "key-2");
  ASSERT_TRUE(none);
  EXPECT_FALSE(none->has_value());

  // Removes t1's entry (created 1000), keeps t2's (2000).
  auto purged = s().idempotency.purge_idempotency(1500);
  ASSERT_TRUE(purged);
  EXPECT_EQ(*purged, 1);
  g = s().idempotency.get_idempotency("t1", "key-1");
  ASSERT_TRUE(g);
  EXPECT_FALSE(g->has_value());
  g = s().idempotency.get_idempotency("t2", "key-1");
  ASSERT_TRUE(g);
  EXPECT_TRUE(g->has_value());
  // After the purge the key can be stored again.
  p = s().idempotency.put_idempotency(e2);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->request_hash, "h2");
  purged = s().idempotency.purge_idempotency(1000);
  ASSERT_TRUE(purged);
  EXPECT_EQ(*purged, 0);
}

}  // namespace vault::storage::conformance
