#include "vault/cache/redis_client.hpp"

#include "cache/redis_connection.hpp"

#include <boost/url/parse.hpp>

#include <charconv>

namespace vault::cache {
namespace {

Error url_error(std::string_view why) {
  return Error(ErrorKind::Configuration, "invalid cache URL: " + std::string(why),
               {{"setting", "cache.url"}, {"expected", "redis://[[user]:password@]host[:port][/db]"}});
}

}  // namespace

Result<RedisEndpoint> parse_redis_url(std::string_view url) {
  auto u = boost::urls::parse_uri(url);
  if (!u) return std::unexpected(url_error("not a URL"));
  if (u->scheme() != "redis") return std::unexpected(url_error("the scheme must be redis://"));
  if (!u->has_authority() || u->host().empty()) return std::unexpected(url_error("no host"));
  if (u->has_query() || u->has_fragment()) return std::unexpected(url_error("no query or fragment is understood"));
  RedisEndpoint e;
  e.host = u->host_address();
  if (u->has_port()) {
    const auto p = u->port_number();
    if (p == 0) return std::unexpected(url_error("bad port"));
    e.port = p;
  }
  if (u->has_userinfo()) {
    e.user = u->user();
    e.password = u->password();
  }
  std::string path = u->path();
  if (!path.empty() && path != "/") {
    std::string_view db = std::string_view(path).substr(1);
    int n = -1;
    auto [ptr, ec] = std::from_chars(db.data(), db.data() + db.size(), n);
    if (ec != std::errc() || ptr != db.data() + db.size() || n < 0 || n > 65535)
      return std::unexpected(url_error("the path must be a database number"));
    e.db = n;
  }
  return e;
}

Result<std::unique_ptr<RedisClient>> RedisClient::open(std::string_view url, RedisOptions options) {
  auto e = parse_redis_url(url);
  if (!e) return std::unexpected(e.error());
  return std::unique_ptr<RedisClient>(new RedisClient(std::move(*e), options));
}

RedisClient::RedisClient(RedisEndpoint endpoint, RedisOptions options)
    : endpoint_(std::move(endpoint)), options_(options) {}

RedisClient::~RedisClient() = default;

std::string RedisClient::display_url() const {
  return "redis://" + endpoint_.host + ":" + std::to_string(endpoint_.port) + "/" + std::to_string(endpoint_.db);
}

Result<std::unique_ptr<RedisConnection>> RedisClient::acquire() {
  {
    std::lock_guard lk(mu_);
    if (!idle_.empty()) {
      auto c = std::move(idle_.back());
      idle_.pop_back();
      return c;
    }
  }
  return RedisConnection::connect(endpoint_, options_.connect_timeout, options_.operation_timeout);
}

void RedisClient::release(std::unique_ptr<RedisConnection> c) {
  if (c->broken()) {
    // The others were opened before the same outage: likely dead too.
    std::lock_guard lk(mu_);
    idle_.clear();
    return;
  }
  std::lock_guard lk(mu_);
  if (idle_.size() < options_.max_idle) idle_.push_back(std::move(c));
}

Result<RedisReply> RedisClient::command(const std::vector<std::string>& argv) {
  auto c = acquire();
  if (!c) return std::unexpected(c.error());
  auto r = (*c)->command(argv);
  release(std::move(*c));
  return r;
}

Status RedisClient::ping() {
  auto r = command({"PING"});
  if (!r) return std::unexpected(r.error());
  if (r->type != RedisReply::Type::Status || r->str != "PONG")
    return fail(ErrorKind::Cache, "redis: unexpected answer to PING");
  return {};
}

}  // namespace vault::cache
