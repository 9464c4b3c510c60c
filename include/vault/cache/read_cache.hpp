#pragma once
/// The read cache in Redis (cache.url): copies of what the metadata store
/// answered, shared by every replica, for when the store cannot answer
/// (spec 2.4.3, 9.3: "read operations from cache" while the database is
/// down). While the store answers, it is the only source of reads: the
/// cache never serves a read the store could answer, so it can never make a
/// replica see older data than the store holds (read_through_stores.hpp).
///
/// Entries are versioned: an entry of `key` at version V replaces one at a
/// lower version (or the same version, to refresh it), never a higher one;
/// a tombstone at V ("whatever this key held at V or before is stale")
/// hides every entry at V or below, so a replica's late copy of a record
/// that another replica has since replaced or deleted is refused by Redis
/// itself (one Lua script, atomic). Every entry and tombstone expires
/// `ttl` after it was written.
///
/// Writes never make a request wait: remember() and forget() queue, and a
/// thread of their own writes through the cache guard (the cache_operations
/// bulkhead, the breaker, timeouts.cache.operation_timeout). Queued entries
/// of one key are merged by the same version rule; a remember() past
/// `max_queued` is dropped (it is a cache), a tombstone or drop is kept and,
/// when Redis is not usable, tried again with backoff. recall() asks Redis at
/// once (bounded by the same guard).
///
/// What it holds is what the store holds, never more: callers put sealed
/// payloads (ciphertext under the dataset's data key, which is never put
/// here, so deleting a dataset crypto-shreds its copies too) and metadata.
/// Keys and values never appear in errors or logs. Thread-safe.
#include "vault/cache/redis_client.hpp"
#include "vault/core/clock.hpp"
#include "vault/observability/logger.hpp"
#include "vault/resilience/dependency_guard.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>

namespace vault::cache {

struct ReadCacheOptions {
  std::chrono::milliseconds ttl = std::chrono::minutes(10);  ///< cache.read_cache_ttl
  std::size_t max_queued = 10000;
  std::string key_prefix = "vault:rc:";
};

/// The highest version (tombstones that hide every entry, e.g. a deleted
/// dataset): 2^53 - 1, exact in the script's numbers.
inline constexpr std::int64_t kReadCacheForever = (std::int64_t{1} << 53) - 1;

/// What recall() found.
struct CachedEntry {
  std::string value;
  std::int64_t version = 0;
  std::chrono::seconds age{0};  ///< since it was written
};

struct ReadCacheStats {
  std::uint64_t written = 0;   ///< entries and tombstones Redis took
  std::uint64_t refused = 0;   ///< entries Redis refused (it held a newer version or tombstone)
  std::uint64_t dropped = 0;   ///< entries not written (queue full, Redis not usable)
  std::uint64_t served = 0;    ///< recall() hits
  std::uint64_t missed = 0;    ///< recall() found nothing usable (absent, tombstone, Redis not usable)
};

class ReadCache {
 public:
  /// `redis`, `guard` (the "cache" dependency) and `clock` must outlive it.
  ReadCache(RedisClient& redis, resilience::DependencyGuard& guard, ReadCacheOptions options, obs::Logger log,
            const Clock& clock = system_clock());
  ~ReadCache();  ///< stops the writer (queued writes are dropped)
  ReadCache(const ReadCache&) = delete;
  ReadCache& operator=(const ReadCache&) = delete;

  /// True when `key` at `version` is worth a remember(): this replica has
  /// not written that version in the last ttl/2 (so a hot entry costs one
  /// Redis write per change, and its expiry is pushed back while it is
  /// read), nor any version of it in the last `min_interval` (a copy that
  /// changes often is refreshed at most that often).
  bool needs(const std::string& key, std::int64_t version,
             std::chrono::milliseconds min_interval = std::chrono::milliseconds(0));
  /// Queues `value` as the entry of `key` at `version`.
  void remember(const std::string& key, std::int64_t version, std::string value);
  /// Queues a tombstone of `key` at `version`.
  void forget(const std::string& key, std::int64_t version);
  /// Queues the removal of `key`'s entry if it is at `version` or below,
  /// without a tombstone: the next read of the key may cache it again at the
  /// same version (a payload rewritten in place, e.g. re-encrypted).
  void drop(const std::string& key, std::int64_t version);
  /// The entry of `key`, or nullopt (absent, hidden by a tombstone, Redis
  /// not usable).
  std::optional<CachedEntry> recall(const std::string& key);

  /// Waits until everything queued so far was tried (tests, shutdown).
  void flush();
  ReadCacheStats stats() const;
  const std::string& prefix() const { return options_.key_prefix; }

 private:
  struct Write {
    enum class Kind { Entry, Tombstone, Drop };
    std::int64_t version = 0;
    Kind kind = Kind::Entry;
    std::string value;
  };
  struct Written {
    std::int64_t version;
    Clock::steady_time at;
  };
  static bool supersedes(const Write& incoming, const Write& queued);
  void enqueue(const std::string& key, Write w);
  void run();
  Result<bool> write(const std::string& key, const Write& w);

  RedisClient& redis_;
  resilience::DependencyGuard& guard_;
  const ReadCacheOptions options_;
  obs::Logger log_;
  const Clock& clock_;

  mutable std::mutex mu_;
  std::condition_variable wake_, idle_;
  std::unordered_map<std::string, Write> queued_;
  std::unordered_map<std::string, Written> written_;  ///< what this replica wrote recently
  bool busy_ = false;
  bool stop_ = false;
  std::atomic<std::uint64_t> written_count_{0}, refused_{0}, dropped_{0}, served_{0}, missed_{0};
  std::thread writer_;
};

}  // namespace vault::cache
