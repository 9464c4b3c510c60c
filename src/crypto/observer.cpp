#include "vault/crypto/observer.hpp"

#include <atomic>

namespace vault::crypto {
namespace {
std::atomic<CryptoObserver*> g_observer{nullptr};
}

void set_crypto_observer(CryptoObserver* observer) { g_observer.store(observer, std::memory_order_release); }
CryptoObserver* crypto_observer() { return g_observer.load(std::memory_order_acquire); }

}  // namespace vault::crypto
