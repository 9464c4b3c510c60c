#pragma once
/// Group commit for the PostgreSQL stores: concurrent write transactions are
/// combined into one database transaction and one commit (one WAL flush),
/// as the SQLite writer thread does (sqlite_writer.hpp).
///
/// Writes are queued per partition, chosen by a key (the dataset for record
/// writes, so every write of one dataset lands in the same partition and
/// never waits on a row lock held by another group). The first writer to
/// find its partition idle becomes the leader: it takes up to kMaxGroup
/// queued writes, runs each inside its own SAVEPOINT on one pooled
/// connection (a write that fails is rolled back to its savepoint alone and
/// gets its own error), commits once, and wakes the others; meanwhile new
/// writes queue up for the next group. Partitions run in parallel, each on
/// its own connection. A write that hit a serialization failure or deadlock
/// runs again in a later group; a connection lost before COMMIT reruns the
/// whole group once on a fresh connection. A write returns only after the
/// commit that contains it.
#include "storage/pg_pool.hpp"

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <string_view>
#include <vector>

namespace vault::storage::pg {

class GroupCommit {
 public:
  /// `on_connection_failure` is called when a connection failed (the pool's
  /// idle connections are stale then).
  GroupCommit(Pool& pool, std::size_t partitions, std::function<void()> on_connection_failure);

  /// Runs `fn` in a committed transaction (possibly shared with other
  /// writes). `fn` may run more than once (retries); only its last run counts.
  Status run(std::string_view partition_key, const std::function<Status(Connection&)>& fn);

  static constexpr std::size_t kMaxGroup = 64;

  static constexpr int kMaxReruns = 3;

 private:
  struct Job {
    const std::function<Status(Connection&)>* fn;
    Status result;
    bool done = false;
    bool again = false;  // serialization failure or deadlock: rerun in a later group
    int reruns = 0;
  };
  struct Partition {
    std::mutex mu;
    std::condition_variable cv;
    std::deque<Job*> queue;
    bool leading = false;
  };

  /// Runs `group` in one transaction; sets each job's result (or `again`).
  void run_group(const std::vector<Job*>& group);
  /// One attempt; false when the connection failed before COMMIT (nothing
  /// committed: the caller may run the group again).
  bool attempt(Connection& c, const std::vector<Job*>& group);

  Pool& pool_;
  std::vector<Partition> partitions_;
  std::function<void()> on_connection_failure_;
  std::atomic<std::size_t> next_{0};  // round robin for writes without a key
};

}  // namespace vault::storage::pg
