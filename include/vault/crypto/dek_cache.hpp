#pragma once
/// DekCache: unwrapped data keys, bounded (LRU) and short-lived (TTL).
///
/// Keyed by (tenant, dataset, DEK version). An entry expires `ttl` after it
/// was put (access does not extend it) and the least recently used entry is
/// evicted when `max_entries` is exceeded. Entries are shared_ptr<const
/// DataKey>: the cache drops its reference on eviction/expiry/erase and the
/// key bytes are wiped when the last user releases theirs. Thread-safe.
#include "vault/core/clock.hpp"
#include "vault/crypto/secure_bytes.hpp"

#include <chrono>
#include <cstdint>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <tuple>

namespace vault::crypto {

/// An unwrapped data key. `key_id` and `version` go into every ciphertext header.
struct DataKey {
  std::string key_id;
  std::uint32_t version = 0;
  SecureBytes key;
};

struct DekCacheOptions {
  std::size_t max_entries = 4096;
  std::chrono::milliseconds ttl = std::chrono::minutes(5);
};

class DekCache {
 public:
  using TimePoint = vault::Clock::steady_time;
  using Options = DekCacheOptions;

  /// TTLs run on `clock`'s steady time (tests hand in a ManualClock); the
  /// clock must outlive the cache.
  explicit DekCache(Options options = {}, const vault::Clock& clock = vault::system_clock());

  /// The cached key, or nullptr if absent or expired (an expired entry is dropped).
  std::shared_ptr<const DataKey> get(const std::string& tenant_id, const std::string& dataset_id,
                                     std::uint32_t version);
  /// Inserts or replaces the entry (tenant, dataset, key->version).
  void put(const std::string& tenant_id, const std::string& dataset_id,
           std::shared_ptr<const DataKey> key);
  void erase_dataset(const std::string& tenant_id, const std::string& dataset_id);
  void erase_tenant(const std::string& tenant_id);
  void clear();
  std::size_t size() const;

 private:
  using Key = std::tuple<std::string, std::string, std::uint32_t>;
  struct Entry {
    Key key;
    std::shared_ptr<const DataKey> value;
    TimePoint expires;
  };
  using List = std::list<Entry>;  // front = most recently used

  template <class Pred>
  void erase_if_locked(Pred pred);

  Options options_;
  const vault::Clock& clock_;
  mutable std::mutex mu_;
  List lru_;
  std::map<Key, List::iterator> index_;
};

}  // namespace vault::crypto
