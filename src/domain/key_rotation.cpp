// KeyRotationService: starts, resumes, runs and stops key rotation jobs.
#include "vault/domain/key_rotation.hpp"

#include "key_rotation_jobs.hpp"
#include "vault/core/ids.hpp"

namespace vault::domain {

namespace {

/// The job's first step: rotates the KEK, or creates the new DEK and makes it current.
Status begin(keyjobs::Context& c, storage::KeyJob& job) {
  return job.type == storage::KeyJobType::KekRotation ? keyjobs::begin_kek(c, job)
                                                      : keyjobs::begin_dek(c, job);
}

}  // namespace

KeyRotationService::KeyRotationService(const storage::Stores& stores, crypto::Envelope& envelope,
                                       KeyEvents& events, KeyRotationOptions options)
    : stores_(stores),
      envelope_(envelope),
      options_(options),
      events_(events),
      dek_changed_([this](const std::string& tenant_id, const std::string& dataset_id) {
        envelope_.forget_dataset(tenant_id, dataset_id);
        events_.dataset_keys_changed(tenant_id, dataset_id);
      }) {
  if (options_.page_size <= 0) options_.page_size = 200;
}

KeyRotationService::~KeyRotationService() { stop(); }

void KeyRotationService::set_observer(KeyRotationObserver observer) { observer_ = std::move(observer); }

Result<storage::KeyJob> KeyRotationService::start_kek_rotation(const std::string& tenant_id) {
  if (auto t = stores_.tenants.get_tenant(tenant_id); !t) return std::unexpected(t.error());
  storage::KeyJob job;
  job.tenant_id = tenant_id;
  job.type = storage::KeyJobType::KekRotation;
  return start(std::move(job));
}

Result<storage::KeyJob> KeyRotationService::start_dek_rotation(const std::string& tenant_id,
                                                               const std::string& dataset_id) {
  auto keys = stores_.keys.list_data_keys(tenant_id, dataset_id);
  if (!keys) return std::unexpected(keys.error());
  std::int64_t from = 0, max_version = 0;
  for (const auto& k : *keys) {
    max_version = std::max(max_version, k.version);
    if (k.state == storage::DataKeyState::Active) from = k.version;
  }
  if (max_version == 0)
    return fail(ErrorKind::Conflict, "the dataset has no data key yet: nothing to rotate");
  storage::KeyJob job;
  job.tenant_id = tenant_id;
  job.type = storage::KeyJobType::DekRotation;
  job.dataset_id = dataset_id;
  job.from_version = from;
  job.to_version = max_version + 1;
  return start(std::move(job));
}

Result<storage::KeyJob> KeyRotationService::start(storage::KeyJob job) {
  job.id = new_id("kjob");
  job.created_at = job.updated_at = now_micros();
  if (auto s = stores_.jobs.create_key_job(job); !s) return std::unexpected(s.error());
  // The first step runs now, so the answer names the new version and new
  // wraps (KEK) or writes (DEK) use it.
  std::atomic<bool> no_stop{false};
  keyjobs::Context c{stores_, envelope_, options_, no_stop,
                     [this](const storage::KeyJob& j) { return stores_.jobs.update_key_job(j); },
                     dek_changed_, [this](const std::string& t) { events_.tenant_kek_changed(t); }, blobs_};
  if (auto s = begin(c, job); !s) {
    end(job, s);
    return std::unexpected(s.error());
  }
  launch(job);
  return job;
}

Result<storage::KeyJob> KeyRotationService::job(const std::string& tenant_id, const std::string& id) {
  return stores_.jobs.get_key_job(tenant_id, id);
}

Result<std::vector<storage::KeyJob>> KeyRotationService::jobs(const std::string& tenant_id, int limit) {
  return stores_.jobs.list_key_jobs(tenant_id, limit);
}

Result<int> KeyRotationService::resume() {
  auto running = stores_.jobs.list_running_key_jobs();
  if (!running) return std::unexpected(running.error());
  int n = 0;
  for (auto& j : *running) {
    launch(std::move(j));
    ++n;
  }
  return n;
}

void KeyRotationService::launch(storage::KeyJob job) {
  std::lock_guard lk(mu_);
  reap_locked();
  if (stopped_) return;  // stays running in the store: resumed at the next start
  if (auto it = workers_.find(job.tenant_id); it != workers_.end()) {
    // The store let this job start, so the tenant's previous job has already
    // recorded its end: its thread is only returning (run() never takes mu_).
    if (it->second.thread.joinable()) it->second.thread.join();
    workers_.erase(it);
  }
  auto stop = std::make_shared<std::atomic<bool>>(false);
  auto done = std::make_shared<std::atomic<bool>>(false);
  const std::string tenant = job.tenant_id;
  std::thread t([this, job = std::move(job), stop, done]() mutable {
    run(std::move(job), stop);
    done->store(true);
  });
  workers_.emplace(tenant, Worker{std::move(t), stop, done});
}

void KeyRotationService::run(storage::KeyJob job, const std::shared_ptr<std::atomic<bool>>& stop) {
  const auto report = [this](const storage::KeyJob& j) {
    if (observer_.progress)
      observer_.progress(storage::key_job_type_name(j.type),
                         j.total > 0 ? std::min(1.0, static_cast<double>(j.done) / j.total) : 0.0);
  };
  keyjobs::Context c{stores_, envelope_, options_, *stop,
                     [this, report](const storage::KeyJob& j) -> Status {
                       report(j);
                       return stores_.jobs.update_key_job(j);
                     },
                     dek_changed_, [this](const std::string& t) { events_.tenant_kek_changed(t); }, blobs_};
  Result<bool> finished = false;
  try {
    if (auto s = begin(c, job); !s)
      finished = std::unexpected(s.error());
    else
      finished =
          job.type == storage::KeyJobType::KekRotation ? keyjobs::run_kek(c, job) : keyjobs::run_dek(c, job);
  } catch (const std::exception&) {
    finished = fail(ErrorKind::InternalServer, "key rotation job failed unexpectedly");
  }
  if (finished && !*finished) return;  // stopped: stays running, resumes later
  if (!finished && stop->load() &&
      (finished.error().kind() == ErrorKind::TenantNotFound || finished.error().kind() == ErrorKind::Database))
    return;  // cancelled by a purge or shutdown
  end(job, finished ? Status{} : Status{std::unexpected(finished.error())}, report);
}

void KeyRotationService::end(storage::KeyJob& job, const Status& outcome,
                             const std::function<void(const storage::KeyJob&)>& report) {
  job.state = outcome ? storage::KeyJobState::Succeeded : storage::KeyJobState::Failed;
  if (!outcome) job.error = error_code_string(outcome.error().kind()) + ": " + outcome.error().message();
  (void)stores_.jobs.update_key_job(job);
  if (report) report(job);
  if (observer_.finished)
    observer_.finished(storage::key_job_type_name(job.type), storage::key_job_state_name(job.state));
}

void KeyRotationService::reap_locked() {
  for (auto it = workers_.begin(); it != workers_.end();) {
    if (it->second.done->load()) {
      it->second.thread.join();
      it = workers_.erase(it);
    } else {
      ++it;
    }
  }
}

void KeyRotationService::cancel_tenant(const std::string& tenant_id) {
  std::thread t;
  {
    std::lock_guard lk(mu_);
    auto it = workers_.find(tenant_id);
    if (it == workers_.end()) return;
    it->second.stop->store(true);
    t = std::move(it->second.thread);
    workers_.erase(it);
  }
  if (t.joinable()) t.join();
}

void KeyRotationService::wait_idle() {
  for (;;) {
    {
      std::lock_guard lk(mu_);
      reap_locked();
      if (workers_.empty()) return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

void KeyRotationService::stop() {
  std::map<std::string, Worker> workers;
  {
    std::lock_guard lk(mu_);
    stopped_ = true;
    workers.swap(workers_);
  }
  for (auto& [_, w] : workers) w.stop->store(true);
  for (auto& [_, w] : workers)
    if (w.thread.joinable()) w.thread.join();
}

}  // namespace vault::domain
