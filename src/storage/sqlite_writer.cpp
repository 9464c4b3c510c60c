#include "storage/sqlite_writer.hpp"

namespace vault::storage::sqlite {

Writer::Writer(std::unique_ptr<Connection> conn, std::size_t max_group)
    : conn_(std::move(conn)), max_group_(max_group), thread_([this] { loop(); }) {}

Writer::~Writer() { stop(); }

bool Writer::submit(std::shared_ptr<WriteJob> job) {
  {
    std::lock_guard lk(mu_);
    if (stopping_) return false;
    queue_.push_back(std::move(job));
  }
  cv_.notify_one();
  return true;
}

void Writer::stop() {
  {
    std::lock_guard lk(mu_);
    stopping_ = true;
  }
  cv_.notify_one();
  if (thread_.joinable()) thread_.join();
  conn_.reset();
}

void Writer::loop() {
  std::vector<std::shared_ptr<WriteJob>> group;
  for (;;) {
    {
      std::unique_lock lk(mu_);
      cv_.wait(lk, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping and drained
      while (!queue_.empty() && group.size() < max_group_) {
        group.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    run_group(group);
    for (auto& j : group) j->complete();
    group.clear();
  }
}

void Writer::run_group(std::vector<std::shared_ptr<WriteJob>>& jobs) {
  Connection& c = *conn_;
  auto fail_all = [&](const Error& e) {
    for (auto& j : jobs) j->fail(e);
  };
  if (auto s = c.exec("BEGIN IMMEDIATE"); !s) {
    Error e(ErrorKind::Database, s.error().message());
    fail_all(e);
    return;
  }
  for (auto& j : jobs) {
    auto sp = c.exec("SAVEPOINT job");
    const bool ok = sp && j->run(c);
    if (!c.in_transaction()) {
      // SQLite rolled the whole transaction back (I/O error, disk full ...):
      // nothing of this group is durable.
      fail_all(Error(ErrorKind::Database, "sqlite: the transaction was rolled back"));
      return;
    }
    if (!sp) {
      j->fail(Error(ErrorKind::Database, sp.error().message()));
      continue;
    }
    Status end = ok ? c.exec("RELEASE job") : c.exec("ROLLBACK TO job");
    if (end && !ok) end = c.exec("RELEASE job");
    if (!end) {
      (void)c.exec("ROLLBACK");
      fail_all(Error(ErrorKind::Database, end.error().message()));
      return;
    }
  }
  if (auto s = c.exec("COMMIT"); !s) {
    if (c.in_transaction()) (void)c.exec("ROLLBACK");
    fail_all(Error(ErrorKind::Database, "sqlite: commit failed: " + s.error().message()));
  }
}

}  // namespace vault::storage::sqlite
