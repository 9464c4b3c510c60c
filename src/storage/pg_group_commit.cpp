#include "storage/pg_group_commit.hpp"

namespace vault::storage::pg {
namespace {

bool connection_failed(const Connection& c, const Status& s) {
  return !s && s.error().kind() == ErrorKind::Database && connection_sqlstate(c.last_sqlstate());
}

}  // namespace

GroupCommit::GroupCommit(Pool& pool, std::size_t partitions, std::function<void()> on_connection_failure)
    : pool_(pool), partitions_(std::max<std::size_t>(1, partitions)),
      on_connection_failure_(std::move(on_connection_failure)) {}

Status GroupCommit::run(std::string_view key, const std::function<Status(Connection&)>& fn) {
  const std::size_t index = key.empty() ? next_.fetch_add(1) % partitions_.size()
                                        : std::hash<std::string_view>{}(key) % partitions_.size();
  Partition& p = partitions_[index];
  Job job{&fn, {}, false, false};
  std::unique_lock lk(p.mu);
  p.queue.push_back(&job);
  while (!job.done) {
    if (p.leading) {
      p.cv.wait(lk);
      continue;
    }
    p.leading = true;
    std::vector<Job*> group;
    while (!p.queue.empty() && group.size() < kMaxGroup) {
      group.push_back(p.queue.front());
      p.queue.pop_front();
    }
    lk.unlock();
    run_group(group);
    lk.lock();
    for (Job* j : group) {
      if (j->again && ++j->reruns <= kMaxReruns) {
        j->again = false;
        p.queue.push_back(j);  // a later group runs it again
      } else {
        j->done = true;
      }
    }
    p.leading = false;
    p.cv.notify_all();
  }
  return job.result;
}

void GroupCommit::run_group(const std::vector<Job*>& group) {
  for (int tries = 0;; ++tries) {
    auto lease = pool_.acquire();
    if (!lease) {
      for (Job* j : group) j->result = std::unexpected(lease.error());
      return;
    }
    if (attempt(**lease, group)) return;
    on_connection_failure_();
    if (tries >= 1) {
      for (Job* j : group)
        if (j->result) j->result = fail(ErrorKind::Database, "postgresql: the connection failed during the write");
      return;
    }
  }
}

bool GroupCommit::attempt(Connection& c, const std::vector<Job*>& group) {
  for (Job* j : group) j->again = false;
  // The whole group fails with `s`; false when the connection failed.
  auto all_fail = [&](Status s) {
    const bool lost = connection_failed(c, s);  // judged on the failing command, before ROLLBACK
    for (Job* k : group) k->result = s;
    if (c.in_transaction()) (void)c.exec("ROLLBACK");
    return !lost;
  };
  if (auto b = c.exec("BEGIN"); !b) return all_fail(b);
  const bool alone = group.size() == 1;
  for (Job* j : group) {
    if (!alone)
      if (auto s = c.exec("SAVEPOINT w"); !s) return all_fail(s);
    j->result = (*j->fn)(c);
    if (j->result) {
      if (!alone)
        if (auto s = c.exec("RELEASE SAVEPOINT w"); !s) return all_fail(s);
      continue;
    }
    const std::string state = c.last_sqlstate();
    if (connection_failed(c, j->result)) return all_fail(j->result);
    // This write alone is undone; the others of the group go on.
    const bool retry = j->result.error().kind() == ErrorKind::Database && retryable_sqlstate(state);
    if (alone) {
      (void)c.exec("ROLLBACK");
      j->again = retry;
      return true;
    }
    if (auto s = c.exec("ROLLBACK TO SAVEPOINT w"); !s) return all_fail(s);
    j->again = retry;
  }
  if (auto cm = c.exec("COMMIT"); !cm) {
    // A connection lost during COMMIT leaves the outcome unknown: reported,
    // not rerun. Any other failure rolled everything back.
    const bool rerun = retryable_sqlstate(c.last_sqlstate());
    Status outcome = cm;
    if (connection_failed(c, cm))  // it may have been applied: running it again could apply it twice
      outcome = std::unexpected(Error(ErrorKind::Database,
                                      "postgresql: the connection was lost during COMMIT; the write may have been applied",
                                      {{"retryable", false}}));
    for (Job* j : group) {
      if (!j->result) continue;  // already failed alone
      if (rerun) j->again = true;
      else j->result = outcome;
    }
    return true;
  }
  return true;
}

}  // namespace vault::storage::pg
