#include "vault/core/config.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

namespace vault {
namespace {

TEST(Config, DefaultsNeedNothing) {
  auto c = load_config({}, {});
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_EQ(c->listen_host, "127.0.0.1");
  EXPECT_EQ(c->listen_port, 8080);
  EXPECT_TRUE(c->database_url.starts_with("sqlite:///"));
  EXPECT_TRUE(c->blob_url.starts_with("file:///"));
  EXPECT_FALSE(c->bootstrap_admin_key);
}

TEST(Config, PrecedenceYamlThenEnvThenFlags) {
  const std::string path = "/tmp/vault_config_test.yaml";
  {
    std::ofstream f(path);
    f << "server:\n  listen: 0.0.0.0:9000\n  worker_threads: 4\n"
         "timeouts:\n  jobs:\n    shutdown_timeout: 5s\nlogging:\n  level: debug\n";
  }
  auto c = load_config({"--config", path, "--log-level", "warn"},
                       {{"VAULT_WORKER_THREADS", "8"}, {"VAULT_LOG_LEVEL", "error"}});
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_EQ(c->listen_host, "0.0.0.0");
  EXPECT_EQ(c->listen_port, 9000);
  EXPECT_EQ(c->worker_threads, 8);                  // env beats yaml
  EXPECT_EQ(c->log_level, "warn");                  // flag beats env
  EXPECT_EQ(c->shutdown_timeout.count(), 5000);     // yaml nested key
  std::remove(path.c_str());
}

TEST(Config, InvalidValuesAreConfigurationErrors) {
  for (auto env : std::vector<std::map<std::string, std::string>>{
           {{"VAULT_LISTEN", "nonsense"}},
           {{"VAULT_LISTEN", "127.0.0.1:99999"}},
           {{"VAULT_WORKER_THREADS", "zero"}},
           {{"VAULT_REQUEST_TIMEOUT", "-3s"}},
           {{"VAULT_LOG_LEVEL", "loud"}},
           {{"VAULT_BOOTSTRAP_ADMIN_KEY", "short"}}}) {
    auto c = load_config({}, env);
    ASSERT_FALSE(c) << env.begin()->first;
    EXPECT_EQ(c.error().kind(), ErrorKind::Configuration);
    EXPECT_NE(c.error().message().find("invalid configuration"), std::string::npos);
  }
  // a secret value is never echoed in the message
  auto c = load_config({}, {{"VAULT_BOOTSTRAP_ADMIN_KEY", "sekrit"}});
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().message().find("sekrit"), std::string::npos);
}

TEST(Config, UnknownFlagsAndKeysAreRejected) {
  EXPECT_FALSE(load_config({"--bogus", "1"}, {}));
  EXPECT_FALSE(load_config({"--listen"}, {}));
  const std::string path = "/tmp/vault_config_test2.yaml";
  {
    std::ofstream f(path);
    f << "server:\n  lisen: 1.2.3.4:5\n";
  }
  auto c = load_config({"--config=" + path}, {});
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().message().find("server.lisen"), std::string::npos);
  std::remove(path.c_str());
  EXPECT_FALSE(load_config({"--config", "/nonexistent/file.yaml"}, {}));
}

TEST(Config, Durations) {
  EXPECT_EQ(parse_duration("30s")->count(), 30000);
  EXPECT_EQ(parse_duration("250ms")->count(), 250);
  EXPECT_EQ(parse_duration("2m")->count(), 120000);
  EXPECT_EQ(parse_duration("1.5")->count(), 1500);
  EXPECT_FALSE(parse_duration("abc"));
  EXPECT_FALSE(parse_duration("5 parsecs"));
}

}  // namespace
}  // namespace vault
