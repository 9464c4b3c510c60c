#include "vault/observability/health.hpp"

#include "vault/core/ids.hpp"
#include "vault/observability/process_stats.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <condition_variable>
#include <exception>
#include <thread>

namespace vault::obs {

namespace {

/// One execution of a check; probes that come while it runs share it.
struct Run {
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  bool ok = false;
  bool degraded = false;  ///< failed with {"degraded": true}
  std::string message;
  double latency_ms = 0;
};

double ms_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

CheckResult synthetic_failure(std::string name, std::string message) {
  return CheckResult{std::move(name), "unhealthy", true, 0, std::move(message)};
}

}  // namespace

struct HealthRegistry::Entry {
  std::string name;
  Check check;
  bool critical;
  std::chrono::milliseconds timeout;
  std::chrono::milliseconds slow_after;
  Note note;
  std::mutex run_mu;
  std::shared_ptr<Run> current;  ///< the latest run (finished or not); guarded by run_mu
};

boost::json::value HealthReport::to_json() const {
  boost::json::object checks_obj;
  for (const auto& c : checks) {
    checks_obj[c.name] = boost::json::object{{"status", c.status},
                                             {"critical", c.critical},
                                             {"latency_ms", c.latency_ms},
                                             {"message", c.message}};
  }
  return boost::json::object{{"status", status},
                             {"overall_status", status},
                             {"timestamp", format_rfc3339(timestamp_micros)},
                             {"checks", std::move(checks_obj)}};
}

boost::json::value LivenessReport::to_json() const {
  boost::json::array w;
  for (const auto& s : warnings) w.push_back(boost::json::string(s));
  return boost::json::object{{"status", "alive"},
                             {"timestamp", format_rfc3339(timestamp_micros)},
                             {"threads", threads},
                             {"rss_bytes", rss_bytes},
                             {"warnings", std::move(w)}};
}

LivenessReport HealthRegistry::liveness(const LivenessThresholds& limits) const {
  LivenessReport r;
  r.timestamp_micros = now_micros();
  const ProcessStats p = read_process_stats();
  r.threads = p.threads;
  r.rss_bytes = p.rss_bytes;
  if (r.threads > limits.max_threads)
    r.warnings.push_back("threads " + std::to_string(r.threads) + " over " + std::to_string(limits.max_threads));
  if (r.rss_bytes > limits.max_rss_bytes)
    r.warnings.push_back("rss " + std::to_string(r.rss_bytes) + " bytes over " + std::to_string(limits.max_rss_bytes));
  return r;
}

boost::json::value StartupReport::to_json() const {
  boost::json::array steps_arr;
  for (const auto& s : steps) {
    steps_arr.push_back(boost::json::object{{"name", s.name}, {"status", s.status}, {"duration_ms", s.duration_ms}});
  }
  boost::json::object components;
  for (const auto& s : steps) components[s.name] = s.status == "ok";
  return boost::json::object{{"status", started ? "started" : "starting"},
                             {"timestamp", format_rfc3339(now_micros())},
                             {"startup_duration_ms", duration_ms},
                             {"components", std::move(components)},
                             {"steps", std::move(steps_arr)}};
}

HealthRegistry::HealthRegistry() : created_(std::chrono::steady_clock::now()) {}
HealthRegistry::~HealthRegistry() = default;

void HealthRegistry::add(std::string name, Check check, bool critical, std::chrono::milliseconds timeout,
                         std::chrono::milliseconds slow_after, Note note) {
  auto e = std::make_shared<Entry>();
  e->slow_after = slow_after;
  e->note = std::move(note);
  e->name = std::move(name);
  e->check = std::move(check);
  e->critical = critical;
  e->timeout = timeout;
  std::lock_guard lock(mu_);
  for (auto& existing : checks_) {
    if (existing->name == e->name) {
      existing = std::move(e);
      return;
    }
  }
  checks_.push_back(std::move(e));
}

HealthReport HealthRegistry::check_all() {
  HealthReport report;
  report.timestamp_micros = now_micros();
  if (shutting_down()) {
    report.status = "not_ready";
    report.checks.push_back(synthetic_failure("shutdown", "server is shutting down"));
    return report;
  }
  std::vector<std::shared_ptr<Entry>> entries;
  bool is_started;
  {
    std::lock_guard lock(mu_);
    entries = checks_;
    is_started = started_;
  }

  const auto t0 = std::chrono::steady_clock::now();
  std::vector<std::shared_ptr<Run>> runs(entries.size());
  for (std::size_t i = 0; i < entries.size(); ++i) {
    auto& e = entries[i];
    // A run still in progress (another probe started it, or it hangs) is
    // joined, not repeated: concurrent probes share one execution, and a
    // hung dependency never piles up threads.
    std::shared_ptr<Run> run;
    {
      std::lock_guard lock(e->run_mu);
      if (e->current) {
        std::lock_guard run_lock(e->current->mu);
        if (!e->current->done) run = e->current;
      }
      if (run) {
        runs[i] = std::move(run);
        continue;
      }
      run = std::make_shared<Run>();
      e->current = run;
    }
    try {
      std::thread([e, run] {
        const auto start = std::chrono::steady_clock::now();
        bool ok = false;
        bool degraded = false;
        std::string message;
        try {
          Status s = e->check();
          ok = s.has_value();
          if (!ok) {
            message = s.error().message();
            const auto* d = s.error().details().if_contains("degraded");
            degraded = d && d->is_bool() && d->as_bool();
          }
          if (e->note) {
            std::string note = e->note();
            if (!note.empty()) message = message.empty() ? std::move(note) : message + " (" + note + ")";
          }
        } catch (const std::exception& ex) {
          message = std::string("check threw: ") + ex.what();
        } catch (...) {
          message = "check threw an unknown exception";
        }
        {
          std::lock_guard lock(run->mu);
          run->done = true;
          run->ok = ok;
          run->degraded = degraded;
          run->message = std::move(message);
          run->latency_ms = ms_since(start);
        }
        run->cv.notify_all();
      }).detach();
      runs[i] = std::move(run);
    } catch (const std::exception&) {
      std::lock_guard lock(e->run_mu);
      e->current.reset();  // no thread: the next probe starts it again
    }
  }

  bool critical_failed = !is_started;
  bool noncritical_failed = false;
  if (!is_started) report.checks.push_back(synthetic_failure("startup", "server is still starting"));
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const auto& e = entries[i];
    CheckResult r;
    r.name = e->name;
    r.critical = e->critical;
    if (!runs[i]) {
      r.status = "unhealthy";
      r.latency_ms = ms_since(t0);
      r.message = "the check could not be started (no thread)";
    } else {
      std::unique_lock lock(runs[i]->mu);
      // At most the check's timeout, counted from when its run started: a
      // probe joining a run that hangs answers at once.
      const auto until = std::min(t0, runs[i]->started) + e->timeout;
      bool done = runs[i]->cv.wait_until(lock, until, [&] { return runs[i]->done; });
      if (!done) {
        r.status = "unhealthy";
        r.latency_ms = ms_since(t0);
        r.message = "check did not finish within " + std::to_string(e->timeout.count()) + " ms";
      } else {
        r.latency_ms = runs[i]->latency_ms;
        r.message = runs[i]->message;
        if (runs[i]->ok) {
          r.status = "healthy";
          if (e->slow_after.count() > 0 && r.latency_ms > static_cast<double>(e->slow_after.count())) {
            r.status = "degraded";
            r.message = "slow: " + std::to_string(static_cast<long long>(r.latency_ms)) + " ms (threshold " +
                        std::to_string(e->slow_after.count()) + " ms)" +
                        (r.message.empty() ? "" : "; " + r.message);
          }
        } else {
          r.status = runs[i]->degraded ? "degraded" : "unhealthy";
        }
      }
    }
    if (r.status == "unhealthy") (r.critical ? critical_failed : noncritical_failed) = true;
    if (r.status == "degraded") noncritical_failed = true;
    report.checks.push_back(std::move(r));
  }
  report.status = critical_failed ? "not_ready" : noncritical_failed ? "degraded" : "ready";
  if (shutting_down()) report.status = "not_ready";
  return report;
}

void HealthRegistry::set_shutting_down() noexcept { shutting_down_.store(true); }
bool HealthRegistry::shutting_down() const noexcept { return shutting_down_.load(); }

void HealthRegistry::record_step(std::string name, std::string status, std::chrono::nanoseconds duration) {
  std::lock_guard lock(mu_);
  steps_.push_back(StartupStep{std::move(name), std::move(status),
                               std::chrono::duration<double, std::milli>(duration).count()});
}

HealthRegistry::StepTimer::StepTimer(HealthRegistry& h, std::string name)
    : h_(&h), name_(std::move(name)), start_(std::chrono::steady_clock::now()) {}

HealthRegistry::StepTimer::~StepTimer() {
  if (!done_) {
    try {
      finish(std::uncaught_exceptions() > 0 ? "failed" : "ok");
    } catch (...) {
    }
  }
}

void HealthRegistry::StepTimer::finish(std::string status) {
  if (done_) return;
  done_ = true;
  h_->record_step(name_, std::move(status), std::chrono::steady_clock::now() - start_);
}

void HealthRegistry::mark_started() {
  std::lock_guard lock(mu_);
  if (started_) return;
  started_ = true;
  startup_ms_ = ms_since(created_);
}

bool HealthRegistry::started() const {
  std::lock_guard lock(mu_);
  return started_;
}

StartupReport HealthRegistry::startup() const {
  std::lock_guard lock(mu_);
  StartupReport r;
  r.started = started_;
  r.steps = steps_;
  r.duration_ms = started_ ? startup_ms_ : ms_since(created_);
  return r;
}

}  // namespace vault::obs
