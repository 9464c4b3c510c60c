#pragma once
// Test helper: a real PostgreSQL server for the PostgreSQL backend's tests.
//
// The server is the one of the CTest fixture "pg" (scripts/services/
// pg_start.sh, state directory in $VAULT_TEST_PG_STATE), or $VAULT_TEST_PG_URL,
// or, when a test binary runs on its own, a cluster this process starts with
// the same script and stops at exit. Each backend a test opens gets a fresh
// schema of its own, so tests never see each other's rows.
#include "support/temp_dir.hpp"

#include <libpq-fe.h>

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <mutex>
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

/// A cluster owned by this process (only when no fixture provides one).
class OwnPgCluster {
 public:
  OwnPgCluster() : state_((process_temp_dir().path() / "pg").string()) {
    const std::string cmd = std::string(VAULT_SOURCE_DIR) + "/scripts/services/pg_start.sh " + state_ + " >/dev/null";
    if (std::system(cmd.c_str()) != 0) throw std::runtime_error("cannot start PostgreSQL: " + cmd);
    url_ = read_first_line(state_ + "/url");
  }
  ~OwnPgCluster() {
    const std::string cmd = std::string(VAULT_SOURCE_DIR) + "/scripts/services/pg_stop.sh " + state_;
    if (std::system(cmd.c_str()) != 0) {
      // nothing more to do at exit
    }
  }
  const std::string& url() const { return url_; }

 private:
  std::string state_;
  std::string url_;
};

}  // namespace detail

/// The URL of the test server (postgresql://vault@127.0.0.1:PORT/postgres).
inline std::string pg_server_url() {
  if (const char* u = std::getenv("VAULT_TEST_PG_URL"); u && *u) return u;
  if (const char* s = std::getenv("VAULT_TEST_PG_STATE"); s && *s) {
    std::string url = detail::read_first_line(std::string(s) + "/url");
    if (!url.empty()) return url;
  }
  static detail::OwnPgCluster own;
  return own.url();
}

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

}  // namespace vault::testing
