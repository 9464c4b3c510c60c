#include "cache/redis_connection.hpp"

#include <hiredis/hiredis.h>
#include <poll.h>

#include <optional>

namespace vault::cache {
namespace {

timeval to_timeval(std::chrono::milliseconds d) {
  const auto ms = std::max<std::int64_t>(1, d.count());
  return timeval{static_cast<time_t>(ms / 1000), static_cast<suseconds_t>((ms % 1000) * 1000)};
}

RedisReply copy_reply(const redisReply* r) {
  RedisReply out;
  switch (r->type) {
    case REDIS_REPLY_STRING:
      out.type = RedisReply::Type::String;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_STATUS:
      out.type = RedisReply::Type::Status;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_ERROR:
      out.type = RedisReply::Type::Error;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_INTEGER:
      out.type = RedisReply::Type::Integer;
      out.integer = r->integer;
      break;
    case REDIS_REPLY_ARRAY:
      out.type = RedisReply::Type::Array;
      out.elements.reserve(r->elements);
      for (size_t i = 0; i < r->elements; ++i) out.elements.push_back(copy_reply(r->element[i]));
      break;
    default:
      out.type = RedisReply::Type::Nil;
  }
  return out;
}

/// The first word of an error reply ("NOAUTH", "WRONGPASS"): what it is
/// about, without anything the server echoed from the request.
std::string error_word(const std::string& s) { return s.substr(0, s.find(' ')); }

}  // namespace

Result<std::unique_ptr<RedisConnection>> RedisConnection::connect(const RedisEndpoint& endpoint,
                                                                   std::chrono::milliseconds connect_timeout,
                                                                   std::chrono::milliseconds operation_timeout) {
  redisContext* ctx = redisConnectWithTimeout(endpoint.host.c_str(), endpoint.port, to_timeval(connect_timeout));
  if (ctx == nullptr) return fail(ErrorKind::Cache, "redis: cannot allocate a connection");
  if (ctx->err) {
    std::string why = ctx->errstr;
    redisFree(ctx);
    return fail(ErrorKind::Cache, "redis: cannot connect to " + endpoint.host + ":" + std::to_string(endpoint.port) +
                                      ": " + why);
  }
  redisSetTimeout(ctx, to_timeval(operation_timeout));
  redisEnableKeepAlive(ctx);
  std::unique_ptr<RedisConnection> c(new RedisConnection(ctx));
  if (!endpoint.password.empty()) {
    std::vector<std::string> auth{"AUTH"};
    if (!endpoint.user.empty()) auth.push_back(endpoint.user);
    auth.push_back(endpoint.password);
    auto r = c->command(auth);
    if (!r) return std::unexpected(r.error());
    if (r->is_error()) return fail(ErrorKind::Cache, "redis: authentication refused (" + error_word(r->str) + ")");
  }
  if (endpoint.db != 0) {
    auto r = c->command({"SELECT", std::to_string(endpoint.db)});
    if (!r) return std::unexpected(r.error());
    if (r->is_error()) return fail(ErrorKind::Cache, "redis: cannot select database " + std::to_string(endpoint.db));
  }
  return c;
}

RedisConnection::~RedisConnection() { redisFree(ctx_); }

Error RedisConnection::failure(std::string_view what) {
  broken_ = true;
  const bool timed_out = ctx_->err == REDIS_ERR_IO && (errno == EAGAIN || errno == EWOULDBLOCK);
  if (timed_out) return Error(ErrorKind::Cache, "redis: " + std::string(what) + " timed out", {{"timeout", true}});
  return Error(ErrorKind::Cache, "redis: " + std::string(what) + " failed: " + std::string(ctx_->errstr));
}

Result<RedisReply> RedisConnection::command(const std::vector<std::string>& argv) {
  std::vector<const char*> args;
  std::vector<size_t> lens;
  args.reserve(argv.size());
  lens.reserve(argv.size());
  for (const auto& a : argv) {
    args.push_back(a.data());
    lens.push_back(a.size());
  }
  auto* reply = static_cast<redisReply*>(
      redisCommandArgv(ctx_, static_cast<int>(argv.size()), args.data(), lens.data()));
  if (reply == nullptr) return std::unexpected(failure(argv.empty() ? "command" : argv[0]));
  RedisReply out = copy_reply(reply);
  freeReplyObject(reply);
  return out;
}

Status RedisConnection::send(const std::vector<std::string>& argv) {
  std::vector<const char*> args;
  std::vector<size_t> lens;
  for (const auto& a : argv) {
    args.push_back(a.data());
    lens.push_back(a.size());
  }
  if (redisAppendCommandArgv(ctx_, static_cast<int>(argv.size()), args.data(), lens.data()) != REDIS_OK)
    return std::unexpected(failure(argv[0]));
  int done = 0;
  while (!done)
    if (redisBufferWrite(ctx_, &done) != REDIS_OK) return std::unexpected(failure(argv[0]));
  return {};
}

Result<std::optional<RedisReply>> RedisConnection::next_push(std::chrono::milliseconds wait) {
  void* raw = nullptr;
  // A reply already read into the buffer first; then wait for the socket.
  if (redisGetReplyFromReader(ctx_, &raw) != REDIS_OK) return std::unexpected(failure("read"));
  if (raw == nullptr) {
    pollfd p{ctx_->fd, POLLIN, 0};
    const int n = ::poll(&p, 1, static_cast<int>(wait.count()));
    if (n < 0) {
      if (errno == EINTR) return std::optional<RedisReply>{};
      return std::unexpected(failure("poll"));
    }
    if (n == 0) return std::optional<RedisReply>{};
    if (redisBufferRead(ctx_) != REDIS_OK) return std::unexpected(failure("read"));
    if (redisGetReplyFromReader(ctx_, &raw) != REDIS_OK) return std::unexpected(failure("read"));
    if (raw == nullptr) return std::optional<RedisReply>{};
  }
  auto* reply = static_cast<redisReply*>(raw);
  RedisReply out = copy_reply(reply);
  freeReplyObject(reply);
  return std::optional<RedisReply>(std::move(out));
}

}  // namespace vault::cache
