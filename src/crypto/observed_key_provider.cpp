#include "crypto/observed_key_provider.hpp"

#include "vault/crypto/observer.hpp"

#include <chrono>

namespace vault::crypto::detail {
namespace {

class ObservedKeyProvider final : public KeyProvider {
 public:
  explicit ObservedKeyProvider(std::unique_ptr<KeyProvider> inner) : inner_(std::move(inner)) {}

  std::string_view kind() const override { return inner_->kind(); }
  Status ensure_kek(const std::string& t) override {
    return run("ensure_kek", [&] { return inner_->ensure_kek(t); });
  }
  Result<std::uint32_t> current_version(const std::string& t) override { return inner_->current_version(t); }
  Result<std::vector<std::uint32_t>> versions(const std::string& t) override { return inner_->versions(t); }
  Result<WrappedKey> wrap(const std::string& t, ByteView dek) override {
    return run("wrap", [&] { return inner_->wrap(t, dek); });
  }
  Result<SecureBytes> unwrap(const std::string& t, const WrappedKey& w) override {
    return run("unwrap", [&] { return inner_->unwrap(t, w); });
  }
  Result<std::uint32_t> rotate(const std::string& t) override {
    return run("rotate", [&] { return inner_->rotate(t); });
  }
  Status retire(const std::string& t, std::uint32_t v) override {
    return run("retire", [&] { return inner_->retire(t, v); });
  }
  Status destroy(const std::string& t) override {
    return run("destroy", [&] { return inner_->destroy(t); });
  }
  void forget_cached(const std::string& t) override { inner_->forget_cached(t); }
  void forget_all_cached() override { inner_->forget_all_cached(); }
  Status ping() override {
    return run("ping", [&] { return inner_->ping(); });
  }

 private:
  template <class F>
  static auto run(std::string_view op, F&& f) -> decltype(f()) {
    CryptoObserver* obs = crypto_observer();
    if (!obs) return f();
    const auto t0 = std::chrono::steady_clock::now();
    auto r = f();
    const std::chrono::duration<double> d = std::chrono::steady_clock::now() - t0;
    obs->on_kms_operation(op, r.has_value(), d.count());
    return r;
  }
  std::unique_ptr<KeyProvider> inner_;
};

}  // namespace

std::unique_ptr<KeyProvider> observed(std::unique_ptr<KeyProvider> inner) {
  return std::make_unique<ObservedKeyProvider>(std::move(inner));
}

}  // namespace vault::crypto::detail
