#pragma once
/// A Lua script run by its SHA1 (EVALSHA), loaded with EVAL the first time a
/// Redis does not know it (a new or restarted Redis answers NOSCRIPT).
/// Private to src/cache.
#include "vault/cache/redis_client.hpp"

#include <string>
#include <vector>

namespace vault::cache {

class RedisScript {
 public:
  /// `source` must outlive the script (a string literal).
  explicit RedisScript(const char* source);
  /// Runs the script with `keys` and `args`. A Redis error reply (the script
  /// failed) is a CacheError saying `what` failed; a connection failure is
  /// the client's error.
  Result<RedisReply> run(RedisClient& redis, const std::vector<std::string>& keys,
                         const std::vector<std::string>& args, const char* what) const;

 private:
  const char* source_;
  std::string sha_;
};

}  // namespace vault::cache
