#pragma once
// Test helper: the real servers the networked backends are tested against.
//
// They are those of the CTest fixture "services" (scripts/services/
// start_all.sh; its state directory in $VAULT_TEST_SERVICES), or, when a test
// binary runs on its own, servers this process starts with the same script
// and stops at exit. Each store a test opens gets a namespace of its own (a
// PostgreSQL schema, an S3 key prefix), so tests never see each other's data.
#include "support/temp_dir.hpp"

#include <libpq-fe.h>

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <string>

namespace vault::testing {

namespace detail {

inline std::string read_first_line(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

/// Servers owned by this process (only when no fixture provides them).
class OwnServices {
 public:
  OwnServices() : state_((process_temp_dir().path() / "services").string()) {
    const std::string cmd =
        "PG_FSYNC=off " + std::string(VAULT_SOURCE_DIR) + "/scripts/services/start_all.sh " + state_ + " >/dev/null";
    if (std::system(cmd.c_str()) != 0) throw std::runtime_error("cannot start the test servers: " + cmd);
  }
  ~OwnServices() {
    const std::string cmd = std::string(VAULT_SOURCE_DIR) + "/scripts/services/stop_all.sh " + state_;
    if (std::system(cmd.c_str()) != 0) {
      // nothing more to do at exit
    }
  }
  const std::string& state() const { return state_; }

 private:
  std::string state_;
};

}  // namespace detail

/// The state directory of the running test servers (pg/, s3/, redis/).
inline std::string services_dir() {
  if (const char* s = std::getenv("VAULT_TEST_SERVICES"); s && *s) return s;
  static detail::OwnServices own;
  return own.state();
}

/// The URL of the test PostgreSQL server (postgresql://vault@127.0.0.1:PORT/postgres).
inline std::string pg_server_url() { return detail::read_first_line(services_dir() + "/pg/url"); }

/// The URL of the test Redis server (redis://127.0.0.1:PORT).
inline std::string redis_url() { return detail::read_first_line(services_dir() + "/redis/url"); }

/// Creates a fresh empty schema and returns a URL whose search_path is it.
inline std::string fresh_pg_schema_url() {
  static std::atomic<int> n{0};
  const std::string base = pg_server_url();
  const std::string schema = "t" + std::to_string(::getpid()) + "_" + std::to_string(++n);
  PGconn* c = PQconnectdb(base.c_str());
  if (PQstatus(c) != CONNECTION_OK) {
    std::string m = PQerrorMessage(c);
    PQfinish(c);
    throw std::runtime_error("cannot connect to the test PostgreSQL server: " + m);
  }
  PGresult* r = PQexec(c, ("DROP SCHEMA IF EXISTS " + schema + " CASCADE; CREATE SCHEMA " + schema).c_str());
  const bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
  PQclear(r);
  PQfinish(c);
  if (!ok) throw std::runtime_error("cannot create schema " + schema);
  return base + (base.find('?') == std::string::npos ? "?" : "&") + "options=-csearch_path%3D" + schema;
}

/// An s3:// URL of a fresh key prefix in the test bucket of the test S3
/// server; sets the credentials it accepts in the environment.
inline std::string fresh_s3_url() {
  static std::atomic<int> n{0};
  const std::string dir = services_dir() + "/s3";
  ::setenv("AWS_ACCESS_KEY_ID", "S3RVER", 1);
  ::setenv("AWS_SECRET_ACCESS_KEY", "S3RVER", 1);
  return "s3://" + detail::read_first_line(dir + "/bucket") + "/t" + std::to_string(::getpid()) + "-" +
         std::to_string(++n) + "?endpoint=" + detail::read_first_line(dir + "/endpoint") + "&region=us-east-1";
}

}  // namespace vault::testing
