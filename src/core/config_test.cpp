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
  EXPECT_EQ(c->timeouts.jobs.shutdown_timeout.count(), 5000);     // yaml nested key
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

TEST(Config, EdgeLimitsAdminListenerAndMetricsToken) {
  auto d = load_config({}, {});
  ASSERT_TRUE(d);
  EXPECT_EQ(d->max_connections, 1024);
  EXPECT_EQ(d->max_buffered_body_bytes, std::int64_t{256} << 20);
  EXPECT_TRUE(d->admin_listen_host.empty());  // no admin listener unless configured
  EXPECT_FALSE(d->metrics_token);

  auto c = load_config({"--max-connections", "7", "--admin-listen=127.0.0.1:9464"},
                       {{"VAULT_MAX_BUFFERED_BODY_BYTES", "67108864"},
                        {"VAULT_METRICS_TOKEN", "metrics-token-0123456789"}});
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_EQ(c->max_connections, 7);
  EXPECT_EQ(c->max_buffered_body_bytes, 64 << 20);
  EXPECT_EQ(c->admin_listen_host, "127.0.0.1");
  EXPECT_EQ(c->admin_listen_port, 9464);
  EXPECT_EQ(c->metrics_token, "metrics-token-0123456789");
  EXPECT_TRUE(load_config({}, {{"VAULT_MAX_CONNECTIONS", "2048"}}).value().max_connections == 2048);

  EXPECT_FALSE(load_config({}, {{"VAULT_MAX_CONNECTIONS", "0"}}));
  EXPECT_FALSE(load_config({}, {{"VAULT_ADMIN_LISTEN", "nonsense"}}));
  // The budget must hold at least one largest body.
  auto small = load_config({}, {{"VAULT_MAX_BUFFERED_BODY_BYTES", "1048576"}});
  ASSERT_FALSE(small);
  EXPECT_NE(small.error().message().find("max_body_bytes"), std::string::npos);
  // The token is a secret: too short is refused without echoing it.
  auto t = load_config({}, {{"VAULT_METRICS_TOKEN", "shorttok"}});
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error().message().find("shorttok"), std::string::npos);
  EXPECT_FALSE(load_config({"--metrics-token", "metrics-token-0123456789"}, {}));  // never a flag (ps shows flags)
}

}  // namespace
}  // namespace vault
