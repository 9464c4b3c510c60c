#include "cache/redis_script.hpp"

#include <openssl/sha.h>

#include <cstdio>
#include <cstring>

namespace vault::cache {
namespace {

std::string sha1_hex(const char* s) {
  unsigned char d[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(s), std::strlen(s), d);
  std::string out(2 * SHA_DIGEST_LENGTH, '0');
  for (int i = 0; i < SHA_DIGEST_LENGTH; ++i) std::snprintf(&out[2 * i], 3, "%02x", d[i]);
  return out;
}

}  // namespace

RedisScript::RedisScript(const char* source) : source_(source), sha_(sha1_hex(source)) {}

Result<RedisReply> RedisScript::run(RedisClient& redis, const std::vector<std::string>& keys,
                                    const std::vector<std::string>& args, const char* what) const {
  std::vector<std::string> argv;
  argv.reserve(3 + keys.size() + args.size());
  argv.push_back("EVALSHA");
  argv.push_back(sha_);
  argv.push_back(std::to_string(keys.size()));
  argv.insert(argv.end(), keys.begin(), keys.end());
  argv.insert(argv.end(), args.begin(), args.end());
  auto r = redis.command(argv);
  if (r && r->is_error() && r->str.starts_with("NOSCRIPT")) {
    argv[0] = "EVAL";
    argv[1] = source_;
    r = redis.command(argv);
  }
  if (r && r->is_error()) return fail(ErrorKind::Cache, std::string("redis: ") + what + " failed");
  return r;
}

}  // namespace vault::cache
