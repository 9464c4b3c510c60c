#pragma once
/// Group commit: one thread owns the write connection and drains a queue of
/// jobs. It takes every pending job (up to a bound), runs them in one
/// `BEGIN IMMEDIATE` transaction, each inside its own SAVEPOINT (a failing
/// job rolls back only itself), commits once and only then completes the
/// jobs. If the transaction or its commit fails, every job of the group
/// fails with ErrorKind::Database.
#include "storage/sqlite_connection.hpp"

#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

namespace vault::storage::sqlite {

class WriteJob {
 public:
  virtual ~WriteJob() = default;
  /// Runs inside the job's savepoint; false = the job failed (rolled back).
  virtual bool run(Connection& c) noexcept = 0;
  /// The group's transaction failed: the job's result becomes `e`.
  virtual void fail(const Error& e) noexcept = 0;
  void complete() { done_.set_value(); }
  std::future<void> done() { return done_.get_future(); }

 private:
  std::promise<void> done_;
};

/// A job computing a Result<T> from the write connection.
template <class T>
class TypedWriteJob final : public WriteJob {
 public:
  explicit TypedWriteJob(std::function<Result<T>(Connection&)> fn) : fn_(std::move(fn)) {}
  bool run(Connection& c) noexcept override {
    try {
      result_.emplace(fn_(c));
    } catch (const std::exception&) {
      result_.emplace(std::unexpected(Error(ErrorKind::Database, "sqlite: write job failed")));
    }
    return result_->has_value();
  }
  void fail(const Error& e) noexcept override { result_.emplace(std::unexpected(e)); }
  Result<T> take() { return std::move(*result_); }

 private:
  std::function<Result<T>(Connection&)> fn_;
  std::optional<Result<T>> result_;
};

class Writer {
 public:
  explicit Writer(std::unique_ptr<Connection> conn, std::size_t max_group = 512);
  ~Writer();
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  /// Queues the job; false once stopped (the job was not queued).
  bool submit(std::shared_ptr<WriteJob> job);
  /// Runs `fn` in the writer's next group and waits for the commit.
  template <class T>
  Result<T> execute(std::function<Result<T>(Connection&)> fn) {
    auto job = std::make_shared<TypedWriteJob<T>>(std::move(fn));
    auto done = job->done();
    if (!submit(job)) return std::unexpected(Error(ErrorKind::Database, "the store is closed"));
    done.wait();
    return job->take();
  }
  /// Finishes the queued jobs, then stops the thread and closes the connection.
  void stop();

 private:
  void loop();
  void run_group(std::vector<std::shared_ptr<WriteJob>>& jobs);

  std::unique_ptr<Connection> conn_;
  const std::size_t max_group_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::shared_ptr<WriteJob>> queue_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace vault::storage::sqlite
