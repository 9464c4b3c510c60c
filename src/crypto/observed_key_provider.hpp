#pragma once
// A KeyProvider decorator reporting every call to the CryptoObserver.
#include "vault/crypto/key_provider.hpp"

#include <memory>

namespace vault::crypto::detail {

std::unique_ptr<KeyProvider> observed(std::unique_ptr<KeyProvider> inner);

}  // namespace vault::crypto::detail
