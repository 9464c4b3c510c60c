#pragma once
// Shared fixture of the TenantKeyring / TransitService / IdempotencyService
// tests: a real SQLite store and a local key provider in a temp directory.
#include "support/temp_dir.hpp"
#include "vault/crypto/key_provider.hpp"
#include "vault/domain/tenant_keyring.hpp"
#include "vault/domain/transit_service.hpp"
#include "vault/storage/factory.hpp"

#include <gtest/gtest.h>

#include <list>
#include <memory>

namespace vault::domain::testing {

class KeyringTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = storage::open_metadata_store("sqlite://" + (dir_.path() / "meta.db").string());
    ASSERT_TRUE(s) << s.error().message();
    backend_ = std::move(*s);
    auto kp = crypto::open_key_provider("", crypto::KeyProviderDefaults{dir_.path()});
    ASSERT_TRUE(kp) << kp.error().message();
    provider_ = std::move(*kp);
    keyring_ = std::make_unique<TenantKeyring>(stores().keys, *provider_, events_);
    transit_ = std::make_unique<TransitService>(*keyring_, TransitLimits{1000, 4096});
  }
  void TearDown() override {
    transit_.reset();
    keyring_.reset();
    if (backend_) stores().ops.close();
  }
  /// A second keyring on the same store and provider (another "process").
  /// A keyring as another process has it: the same store and provider, its
  /// own KeyEvents (so it hears nothing of this process's changes).
  std::unique_ptr<TenantKeyring> another_keyring() {
    return std::make_unique<TenantKeyring>(stores().keys, *provider_, other_events_.emplace_back());
  }

  vault::testing::TempDir dir_;
  KeyEvents events_;  ///< before the subscribers, so it outlives them
  std::list<KeyEvents> other_events_;  ///< of another_keyring()s
  std::unique_ptr<storage::MetadataBackend> backend_;
  const storage::Stores& stores() const { return backend_->stores(); }
  std::unique_ptr<crypto::KeyProvider> provider_;
  std::unique_ptr<TenantKeyring> keyring_;
  std::unique_ptr<TransitService> transit_;
};

#define VAULT_EXPECT_KIND(expr, k)                                         \
  do {                                                                     \
    auto vault_r_ = (expr);                                                \
    ASSERT_FALSE(vault_r_) << #expr " unexpectedly succeeded";             \
    EXPECT_EQ(vault_r_.error().kind(), (k)) << vault_r_.error().message(); \
  } while (0)

}  // namespace vault::domain::testing
