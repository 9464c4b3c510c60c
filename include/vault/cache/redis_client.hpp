#pragma once
/// A Redis client for what replicas share (cache.url, VAULT_CACHE_URL):
/// rate-limit buckets (SharedRateLimiter) and cache invalidations
/// (ClusterEvents). hiredis stays inside src/cache.
///
/// URL: redis://[[user]:password@]host[:port][/db] (port 6379, db 0 by
/// default). Connections are opened lazily and kept (at most
/// `max_idle` idle); every connect and every command is bounded by
/// `connect_timeout` / `operation_timeout` (timeouts.cache.
/// operation_timeout): a Redis that is down or stopped costs a caller at
/// most that long, and the connection it was on is dropped, never reused.
/// Errors are CacheError (503, retryable); they carry the command's name,
/// never its arguments (which may be tenant ids or payloads). Thread-safe.
#include "vault/cache/redis_types.hpp"
#include "vault/core/error.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace vault::cache {

class RedisConnection;  // src/cache/redis_connection.hpp

class RedisClient {
 public:
  /// Parses the URL; does not connect (a Redis that is down at start does
  /// not keep the vault from starting: the cache is not critical).
  static Result<std::unique_ptr<RedisClient>> open(std::string_view url, RedisOptions options = {});
  ~RedisClient();
  RedisClient(const RedisClient&) = delete;
  RedisClient& operator=(const RedisClient&) = delete;

  /// Sends one command and waits for its reply. An error reply of Redis
  /// (e.g. NOSCRIPT) is a reply of type Error, not a failure; a failure is a
  /// connection that could not be opened, written or read in time.
  Result<RedisReply> command(const std::vector<std::string>& argv);
  /// PING → PONG.
  Status ping();

  const RedisEndpoint& endpoint() const { return endpoint_; }
  const RedisOptions& options() const { return options_; }
  /// "redis://host:port/db" without credentials (logs, health).
  std::string display_url() const;

 private:
  RedisClient(RedisEndpoint endpoint, RedisOptions options);
  Result<std::unique_ptr<RedisConnection>> acquire();
  void release(std::unique_ptr<RedisConnection> c);

  RedisEndpoint endpoint_;
  RedisOptions options_;
  std::mutex mu_;
  std::vector<std::unique_ptr<RedisConnection>> idle_;
};

}  // namespace vault::cache
