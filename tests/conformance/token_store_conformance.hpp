#pragma once
/// Conformance suite of TokenStore: the PII token vault (token_store.hpp).
/// Fixture, helpers and how to instantiate: store_conformance.hpp.
#include "conformance/store_conformance.hpp"

namespace vault::storage::conformance {

class TokenStoreConformance : public StoreConformance {};

TEST_P(TokenStoreConformance, PiiTokensOneTokenPerValueAndTenantScoped) {
  tenant("t1");
  tenant("t2");
  PiiToken t{"t1", "tok_a", "hash1", "EMAIL_ADDRESS", std::string("\x00sealed", 8), 0};
  auto put = s().tokens.put_pii_token(t);
  ASSERT_TRUE(put) << put.error().message();
  EXPECT_EQ(put->token, "tok_a");
  EXPECT_GT(put->created_at, 0);
  // The same value hash keeps its first token.
  PiiToken again = t;
  again.token = "tok_b";
  auto second = s().tokens.put_pii_token(again);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->token, "tok_a");
  auto found = s().tokens.find_pii_token("t1", "hash1");
  ASSERT_TRUE(found);
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->sealed, t.sealed);
  auto none = s().tokens.find_pii_token("t2", "hash1");
  ASSERT_TRUE(none);
  EXPECT_FALSE(none->has_value());
  auto got = s().tokens.get_pii_token("t1", "tok_a");
  ASSERT_TRUE(got);
  EXPECT_EQ(got->entity, "EMAIL_ADDRESS");
  VAULT_EXPECT_KIND(s().tokens.get_pii_token("t2", "tok_a"), ErrorKind::ResourceNotFound);
  VAULT_EXPECT_KIND(s().tokens.get_pii_token("t1", "tok_b"), ErrorKind::ResourceNotFound);
}

}  // namespace vault::storage::conformance
