#pragma once
/// What a Redis connection needs and gives, shared by RedisClient (the pool
/// callers use) and RedisConnection (one hiredis connection, src/cache).
#include "vault/core/error.hpp"

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace vault::cache {

struct RedisEndpoint {
  std::string host;
  int port = 6379;
  std::string user;      ///< "" = the default user
  std::string password;  ///< "" = no AUTH
  int db = 0;
};

/// Parses a redis:// URL; ConfigurationError naming what is wrong.
Result<RedisEndpoint> parse_redis_url(std::string_view url);

struct RedisOptions {
  std::chrono::milliseconds connect_timeout{1000};
  std::chrono::milliseconds operation_timeout{1000};
  std::size_t max_idle = 32;  ///< idle connections kept
};

/// One reply, copied out of hiredis.
struct RedisReply {
  enum class Type { Nil, Integer, String, Status, Array, Error };
  Type type = Type::Nil;
  long long integer = 0;
  std::string str;  ///< String, Status, Error
  std::vector<RedisReply> elements;
  bool is_error() const { return type == Type::Error; }
};

}  // namespace vault::cache
