// RedisClient against the Redis of the test services: URL parsing, commands
// and replies, and failures that are bounded by the timeouts.
#include "vault/cache/redis_client.hpp"

#include "support/test_services.hpp"

#include <gtest/gtest.h>

#include <sys/socket.h>
#include <netinet/in.h>
#include <unistd.h>

#include <chrono>
#include <thread>

namespace vault::cache {
namespace {

TEST(RedisUrl, ParsesHostPortCredentialsAndDatabase) {
  auto e = parse_redis_url("redis://user:s%40cret@127.0.0.1:6380/3");
  ASSERT_TRUE(e) << e.error().message();
  EXPECT_EQ(e->host, "127.0.0.1");
  EXPECT_EQ(e->port, 6380);
  EXPECT_EQ(e->user, "user");
  EXPECT_EQ(e->password, "s@cret");
  EXPECT_EQ(e->db, 3);
  auto d = parse_redis_url("redis://localhost");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->port, 6379);
  EXPECT_EQ(d->db, 0);
  EXPECT_TRUE(d->password.empty());
}

TEST(RedisUrl, RejectsWhatItDoesNotUnderstand) {
  for (const char* bad : {"", "http://127.0.0.1:6379", "redis://", "redis://h:1/x", "redis://h:1/-1",
                          "redis://h:1/0?timeout=1", "redis://h:0"}) {
    auto e = parse_redis_url(bad);
    ASSERT_FALSE(e) << bad;
    EXPECT_EQ(e.error().kind(), ErrorKind::Configuration) << bad;
  }
}

TEST(RedisUrl, ErrorsAndDisplayNeverShowThePassword) {
  auto c = RedisClient::open("redis://:topsecret@127.0.0.1:1/2");
  ASSERT_TRUE(c);
  EXPECT_EQ((*c)->display_url(), "redis://127.0.0.1:1/2");
  auto r = (*c)->ping();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message().find("topsecret"), std::string::npos);
}

class RedisClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto c = RedisClient::open(testing::redis_url());
    ASSERT_TRUE(c) << c.error().message();
    client_ = std::move(*c);
  }
  std::unique_ptr<RedisClient> client_;
};

TEST_F(RedisClientTest, CommandsAndReplyTypes) {
  ASSERT_TRUE(client_->ping());
  const std::string key = "test:client:" + std::to_string(::getpid());
  std::string binary("a\0b\r\nc", 6);
  auto set = client_->command({"SET", key, binary});
  ASSERT_TRUE(set);
  EXPECT_EQ(set->type, RedisReply::Type::Status);
  auto get = client_->command({"GET", key});
  ASSERT_TRUE(get);
  EXPECT_EQ(get->type, RedisReply::Type::String);
  EXPECT_EQ(get->str, binary);  // binary-safe both ways
  auto incr = client_->command({"INCRBY", key + ":n", "41"});
  ASSERT_TRUE(incr);
  EXPECT_EQ(incr->type, RedisReply::Type::Integer);
  EXPECT_EQ(incr->integer, 41);
  auto missing = client_->command({"GET", key + ":missing"});
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->type, RedisReply::Type::Nil);
  auto arr = client_->command({"MGET", key, key + ":missing"});
  ASSERT_TRUE(arr);
  ASSERT_EQ(arr->type, RedisReply::Type::Array);
  ASSERT_EQ(arr->elements.size(), 2u);
  EXPECT_EQ(arr->elements[1].type, RedisReply::Type::Nil);
  // An error reply is a reply, not a failure of the connection.
  auto wrong = client_->command({"INCR", key});
  ASSERT_TRUE(wrong);
  EXPECT_TRUE(wrong->is_error());
  EXPECT_TRUE(client_->ping());
  ASSERT_TRUE(client_->command({"DEL", key, key + ":n"}));
}

TEST_F(RedisClientTest, ConcurrentCallersShareConnections) {
  const std::string key = "test:client:concurrent:" + std::to_string(::getpid());
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 200; ++i) ASSERT_TRUE(client_->command({"INCR", key}));
    });
  for (auto& t : threads) t.join();
  auto n = client_->command({"GET", key});
  ASSERT_TRUE(n);
  EXPECT_EQ(n->str, "1600");
  ASSERT_TRUE(client_->command({"DEL", key}));
}

TEST(RedisClientFailures, RefusedConnectionFailsFastAsCacheError) {
  auto c = RedisClient::open("redis://127.0.0.1:1");
  ASSERT_TRUE(c);
  const auto t0 = std::chrono::steady_clock::now();
  auto r = (*c)->ping();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind(), ErrorKind::Cache);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(1));
}

// A server that accepts and never answers (what a stopped Redis looks like
// to a client): each call ends after the operation timeout.
TEST(RedisClientFailures, UnansweredCommandEndsAtTheOperationTimeout) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ASSERT_EQ(::listen(fd, 8), 0);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  auto c = RedisClient::open("redis://127.0.0.1:" + std::to_string(ntohs(a.sin_port)),
                             RedisOptions{std::chrono::milliseconds(500), std::chrono::milliseconds(200), 4});
  ASSERT_TRUE(c);
  for (int i = 0; i < 2; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    auto r = (*c)->ping();
    const auto took = std::chrono::steady_clock::now() - t0;
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind(), ErrorKind::Cache);
    EXPECT_GE(took, std::chrono::milliseconds(150));
    EXPECT_LT(took, std::chrono::milliseconds(1500));
  }
  ::close(fd);
}

}  // namespace
}  // namespace vault::cache
