#include "vault/crypto/dek_cache.hpp"

namespace vault::crypto {

DekCache::DekCache(Options options, const vault::Clock& clock) : options_(options), clock_(clock) {
  if (options_.max_entries == 0) options_.max_entries = 1;
}

std::shared_ptr<const DataKey> DekCache::get(const std::string& tenant_id,
                                             const std::string& dataset_id, std::uint32_t version) {
  const auto now = clock_.steady_now();
  std::lock_guard lk(mu_);
  auto it = index_.find(Key{tenant_id, dataset_id, version});
  if (it == index_.end()) return nullptr;
  if (now >= it->second->expires) {
    lru_.erase(it->second);
    index_.erase(it);
    return nullptr;
  }
  lru_.splice(lru_.begin(), lru_, it->second);
  return it->second->value;
}

void DekCache::put(const std::string& tenant_id, const std::string& dataset_id,
                   std::shared_ptr<const DataKey> key) {
  if (!key) return;
  const auto expires = clock_.steady_now() + options_.ttl;
  Key k{tenant_id, dataset_id, key->version};
  std::lock_guard lk(mu_);
  if (auto it = index_.find(k); it != index_.end()) {
    it->second->value = std::move(key);
    it->second->expires = expires;
    lru_.splice(lru_.begin(), lru_, it->second);
    return;
  }
  lru_.push_front(Entry{k, std::move(key), expires});
  index_.emplace(std::move(k), lru_.begin());
  while (lru_.size() > options_.max_entries) {
    index_.erase(lru_.back().key);
    lru_.pop_back();
  }
}

template <class Pred>
void DekCache::erase_if_locked(Pred pred) {
  for (auto it = lru_.begin(); it != lru_.end();) {
    if (pred(it->key)) {
      index_.erase(it->key);
      it = lru_.erase(it);
    } else {
      ++it;
    }
  }
}

void DekCache::erase_dataset(const std::string& tenant_id, const std::string& dataset_id) {
  std::lock_guard lk(mu_);
  erase_if_locked([&](const Key& k) { return std::get<0>(k) == tenant_id && std::get<1>(k) == dataset_id; });
}

void DekCache::erase_tenant(const std::string& tenant_id) {
  std::lock_guard lk(mu_);
  erase_if_locked([&](const Key& k) { return std::get<0>(k) == tenant_id; });
}

void DekCache::clear() {
  std::lock_guard lk(mu_);
  index_.clear();
  lru_.clear();
}

std::size_t DekCache::size() const {
  std::lock_guard lk(mu_);
  return lru_.size();
}

}  // namespace vault::crypto
