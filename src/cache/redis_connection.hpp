#pragma once
/// One hiredis connection (private to src/cache): connect with a timeout,
/// AUTH and SELECT, then commands with socket timeouts. After any failure
/// (`broken()`), the connection must be dropped: hiredis leaves a context
/// that timed out unusable. Not thread-safe (one owner at a time).
#include "vault/cache/redis_types.hpp"

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

struct redisContext;

namespace vault::cache {

class RedisConnection {
 public:
  static Result<std::unique_ptr<RedisConnection>> connect(const RedisEndpoint& endpoint,
                                                          std::chrono::milliseconds connect_timeout,
                                                          std::chrono::milliseconds operation_timeout);
  ~RedisConnection();
  RedisConnection(const RedisConnection&) = delete;
  RedisConnection& operator=(const RedisConnection&) = delete;

  /// One command, its reply (an error reply is a reply). CacheError when
  /// the connection failed or timed out (then broken()).
  Result<RedisReply> command(const std::vector<std::string>& argv);
  /// Sends a command without waiting for a reply (SUBSCRIBE).
  Status send(const std::vector<std::string>& argv);
  /// The next pushed reply if one arrives within `wait` (nullopt: none yet);
  /// CacheError when the connection ended.
  Result<std::optional<RedisReply>> next_push(std::chrono::milliseconds wait);

  bool broken() const { return broken_; }

 private:
  explicit RedisConnection(redisContext* ctx) : ctx_(ctx) {}
  Error failure(std::string_view what);
  redisContext* ctx_;
  bool broken_ = false;
};

}  // namespace vault::cache
