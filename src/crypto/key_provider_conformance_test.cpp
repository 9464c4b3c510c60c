// The KeyProvider conformance suite against every provider: the local
// keyring (fresh temp dir per test) and PKCS#11 on a real SoftHSM2 token
// (one token per test process; tests use distinct tenant ids).
#include "conformance/key_provider_conformance.hpp"
#include "crypto/softhsm_test_token.hpp"
#include "support/temp_dir.hpp"

namespace vault::crypto {
namespace {

using conformance::KeyProviderHarness;
using conformance::KeyProviderParam;
using conformance::KeyProviderConformance;

class LocalHarness : public KeyProviderHarness {
 public:
  Result<std::unique_ptr<KeyProvider>> open() override {
    return open_key_provider("local://" + (dir_.path() / "keys" / "keyring.sealed").string());
  }

 private:
  testing::TempDir dir_;
};

class SoftHsmHarness : public KeyProviderHarness {
 public:
  Result<std::unique_ptr<KeyProvider>> open() override {
    if (!testing::SoftHsmToken::get().ok())
      return fail(ErrorKind::KeyProvider, "softhsm2-util --init-token failed (is softhsm2 installed?)");
    return open_key_provider(testing::SoftHsmToken::url());
  }
};

INSTANTIATE_TEST_SUITE_P(
    Providers, KeyProviderConformance,
    ::testing::Values(KeyProviderParam{"local", [] { return std::make_unique<LocalHarness>(); }},
                      KeyProviderParam{"pkcs11_softhsm2", [] { return std::make_unique<SoftHsmHarness>(); }}),
    conformance::KeyProviderParamName);

}  // namespace
}  // namespace vault::crypto
