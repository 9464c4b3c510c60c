#pragma once
/// A pool of read-only connections. Readers never use the writer's
/// connection; in WAL mode they read the last committed snapshot and are
/// never blocked by the writer.
#include "storage/sqlite_connection.hpp"

#include <memory>
#include <mutex>
#include <vector>

namespace vault::storage::sqlite {

class ReadPool {
 public:
  /// Keeps at most `max_idle` idle connections; more are opened on demand.
  ReadPool(std::string path, std::size_t max_idle);

  /// A checked-out connection, returned to the pool on destruction.
  class Lease {
   public:
    Lease(ReadPool* pool, std::unique_ptr<Connection> c) : pool_(pool), c_(std::move(c)) {}
    Lease(Lease&&) noexcept = default;
    Lease& operator=(Lease&&) noexcept = default;
    ~Lease();
    Connection& operator*() const { return *c_; }
    Connection* operator->() const { return c_.get(); }

   private:
    ReadPool* pool_;
    std::unique_ptr<Connection> c_;
  };

  Result<Lease> acquire();
  /// Closes the idle connections; connections returned later are closed too.
  void close();

 private:
  void release(std::unique_ptr<Connection> c);

  const std::string path_;
  const std::size_t max_idle_;
  std::mutex mu_;
  std::vector<std::unique_ptr<Connection>> idle_;
  bool closed_ = false;
};

}  // namespace vault::storage::sqlite
