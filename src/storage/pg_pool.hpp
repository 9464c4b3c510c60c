#pragma once
/// A bounded pool of PostgreSQL connections. Connections are opened lazily up
/// to `size`; a caller waits for a free one at most `acquire_timeout` (spec
/// timeouts.database.connection_timeout) and then gets Database "pool
/// exhausted". A lease returns its connection on destruction unless the
/// connection failed or is left inside a transaction: those are closed, so a
/// server restart or failover costs one failed call per stale connection at
/// most (drop_idle() closes all idle ones at once after a connection failure).
#include "storage/pg_connection.hpp"

#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <vector>

namespace vault::storage::pg {

class Pool {
 public:
  struct Options {
    std::size_t size = 16;
    std::chrono::milliseconds acquire_timeout{5000};
    ConnectOptions connect;
  };

  class Lease {
   public:
    Lease(Pool* pool, std::unique_ptr<Connection> c) : pool_(pool), c_(std::move(c)) {}
    Lease(Lease&& o) noexcept = default;
    Lease& operator=(Lease&&) = delete;
    ~Lease();
    Connection& operator*() const { return *c_; }
    Connection* operator->() const { return c_.get(); }

   private:
    Pool* pool_;
    std::unique_ptr<Connection> c_;
  };

  Pool(std::string url, Options o) : url_(std::move(url)), o_(std::move(o)) {}

  Result<Lease> acquire();
  /// Closes every idle connection (after one failed: they are likely stale too).
  void drop_idle();
  /// Closes idle connections and makes acquire() fail from now on.
  void close();

  struct Usage {
    std::size_t open = 0, in_use = 0, size = 0;
  };
  Usage usage() const;

 private:
  void release(std::unique_ptr<Connection> c);

  const std::string url_;
  const Options o_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<Connection>> idle_;
  std::size_t open_ = 0;  // idle + leased + being opened
  bool closed_ = false;
};

}  // namespace vault::storage::pg
