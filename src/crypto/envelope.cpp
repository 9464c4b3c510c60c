#include "vault/crypto/envelope.hpp"

#include "vault/crypto/aead.hpp"
#include "vault/crypto/observer.hpp"

#include <chrono>

namespace vault::crypto {
namespace {

template <class F>
auto observed(std::string_view operation, F&& f) {
  CryptoObserver* obs = crypto_observer();
  if (!obs) return f();
  const auto t0 = std::chrono::steady_clock::now();
  auto r = f();
  const std::chrono::duration<double> d = std::chrono::steady_clock::now() - t0;
  obs->on_operation(operation, kAlgorithm, r.has_value(), d.count());
  return r;
}

}  // namespace

SecureBytes generate_dek() { return SecureBytes::random(kKeySize); }

std::string encode_aad(std::initializer_list<std::string_view> fields) {
  std::size_t total = 0;
  for (auto f : fields) total += 4 + f.size();
  std::string out;
  out.reserve(total);
  for (auto f : fields) {
    const auto n = static_cast<std::uint32_t>(f.size());
    out.push_back(static_cast<char>(n >> 24));
    out.push_back(static_cast<char>(n >> 16));
    out.push_back(static_cast<char>(n >> 8));
    out.push_back(static_cast<char>(n));
    out.append(f);
  }
  return out;
}

Result<std::string> seal_record(const DataKey& dek, std::initializer_list<std::string_view> aad_fields,
                                std::string_view plaintext) {
  return observed("encrypt", [&] { return seal(dek.key, dek.key_id, dek.version, encode_aad(aad_fields), plaintext); });
}

Result<std::string> open_record(const DataKey& dek, std::initializer_list<std::string_view> aad_fields,
                                std::string_view sealed) {
  return observed("decrypt", [&] { return open(dek.key, encode_aad(aad_fields), sealed); });
}

Envelope::Envelope(std::shared_ptr<KeyProvider> provider, DekCache::Options cache_options)
    : provider_(std::move(provider)), cache_(cache_options) {}

Result<Envelope::NewDek> Envelope::create_dek(const std::string& tenant_id,
                                              const std::string& dataset_id, std::uint32_t version) {
  if (auto s = provider_->ensure_kek(tenant_id); !s) return fail(s.error());
  auto dk = std::make_shared<DataKey>(DataKey{dataset_id, version, generate_dek()});
  auto wrapped = provider_->wrap(tenant_id, dk->key);
  if (!wrapped) return fail(wrapped.error());
  return NewDek{std::move(dk), std::move(*wrapped)};
}

void Envelope::remember(const std::string& tenant_id, const std::string& dataset_id,
                        std::shared_ptr<const DataKey> key) {
  cache_.put(tenant_id, dataset_id, std::move(key));
}

Result<std::shared_ptr<const DataKey>> Envelope::data_key(const std::string& tenant_id,
                                                          const std::string& dataset_id,
                                                          std::uint32_t version,
                                                          const WrappedKey& wrapped) {
  if (auto hit = cache_.get(tenant_id, dataset_id, version)) return hit;
  auto raw = provider_->unwrap(tenant_id, wrapped);
  if (!raw) return fail(raw.error());
  if (raw->size() != kKeySize) return fail(ErrorKind::KeyRetrieval, "unwrapped data key has the wrong size");
  std::shared_ptr<const DataKey> key = std::make_shared<DataKey>(DataKey{dataset_id, version, std::move(*raw)});
  cache_.put(tenant_id, dataset_id, key);
  return key;
}

Result<WrappedKey> Envelope::rewrap(const std::string& tenant_id, const WrappedKey& wrapped) {
  auto current = provider_->current_version(tenant_id);
  if (!current) return fail(current.error());
  if (wrapped.kek_version == *current && wrapped.kek_id == kek_id_for(tenant_id)) return wrapped;
  auto raw = provider_->unwrap(tenant_id, wrapped);
  if (!raw) return fail(raw.error());
  return provider_->wrap(tenant_id, *raw);
}

void Envelope::forget_dataset(const std::string& tenant_id, const std::string& dataset_id) {
  cache_.erase_dataset(tenant_id, dataset_id);
}
void Envelope::forget_tenant(const std::string& tenant_id) { cache_.erase_tenant(tenant_id); }

}  // namespace vault::crypto
