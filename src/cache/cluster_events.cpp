#include "vault/cache/cluster_events.hpp"

#include "cache/redis_connection.hpp"
#include "vault/core/ids.hpp"

#include <boost/json.hpp>

#include <algorithm>

namespace vault::cache {
namespace {

/// Set while the subscriber thread republishes a remote event, so that this
/// process's own KeyEvents handler does not send it out again.
thread_local bool delivering_remote = false;

constexpr std::string_view kDatasetKeys = "dataset_keys";
constexpr std::string_view kTenantPurged = "tenant_purged";
constexpr std::string_view kTenantKey = "tenant_key";
constexpr std::string_view kAuthRevoked = "auth_revoked";
constexpr std::string_view kTenantKek = "tenant_kek";

}  // namespace

ClusterEvents::ClusterEvents(RedisClient& redis, resilience::DependencyGuard& guard, domain::KeyEvents& events,
                             domain::AuthService& auth, obs::Logger log, ClusterEventsOptions options)
    : redis_(redis),
      guard_(guard),
      events_(events),
      auth_(auth),
      log_(std::move(log)),
      options_(std::move(options)),
      origin_(random_token(12)) {
  dataset_keys_ = events_.on_dataset_keys_changed(
      [this](const std::string& t, const std::string& d) { enqueue(kDatasetKeys, t, d); });
  tenant_purged_ = events_.on_tenant_purged([this](const std::string& t) { enqueue(kTenantPurged, t, ""); });
  tenant_key_ = events_.on_tenant_key_changed(
      [this](const std::string& t, const std::string& n) { enqueue(kTenantKey, t, n); });
  tenant_kek_ = events_.on_tenant_kek_changed([this](const std::string& t) { enqueue(kTenantKek, t, ""); });
  // A revocation is published before the revoking request answers (bounded
  // by the cache guard), so the other replicas refuse the key milliseconds
  // later, not after the queue drained; queued if Redis is not usable.
  auth_.set_revocation_listener([this](const std::string& t) { publish_now(kAuthRevoked, t); });
  publisher_ = std::thread([this] { publish_loop(); });
  subscriber_ = std::thread([this] { subscribe_loop(); });
}

ClusterEvents::~ClusterEvents() {
  auth_.set_revocation_listener({});
  {
    std::lock_guard lk(mu_);
    stop_ = true;
  }
  stopping_ = true;
  cv_.notify_all();
  publisher_.join();
  subscriber_.join();
}

std::string ClusterEvents::describe() const {
  std::size_t queued = 0;
  {
    std::lock_guard lk(mu_);
    queued = queue_.size();
  }
  return std::string("events: ") + (subscribed() ? "subscribed" : "not subscribed") +
         (queued ? ", " + std::to_string(queued) + " to publish" : "");
}

std::string ClusterEvents::message(std::string_view event, const std::string& tenant_id, const std::string& name) const {
  boost::json::object m{{"o", origin_}, {"e", event}, {"t", tenant_id}};
  if (!name.empty()) m["n"] = name;
  return boost::json::serialize(m);
}

bool ClusterEvents::publish(const std::string& message) {
  auto r = guard_.call("publish", resilience::CallKind::IdempotentWrite,
                       [&]() -> Result<RedisReply> { return redis_.command({"PUBLISH", options_.channel, message}); });
  if (!r || r->is_error()) return false;
  published_.fetch_add(1);
  return true;
}

void ClusterEvents::publish_now(std::string_view event, const std::string& tenant_id) {
  std::string m = message(event, tenant_id, "");
  {
    // Held across the PUBLISH (at most the cache timeout; revocations are
    // rare): with older messages unsent it would overtake them, so it waits
    // in the queue behind them instead.
    std::lock_guard lk(mu_);
    if (queue_.empty() && publish(m)) return;
  }
  push(std::move(m));
}

void ClusterEvents::enqueue(std::string_view event, const std::string& tenant_id, const std::string& name) {
  if (delivering_remote) return;
  push(message(event, tenant_id, name));
}

void ClusterEvents::push(std::string message) {
  {
    std::lock_guard lk(mu_);
    queue_.push_back(std::move(message));
    // Too many unsent: the oldest go (receivers that were cut off from Redis
    // as long forget everything when they subscribe again).
    while (queue_.size() > options_.max_queued) queue_.pop_front();
  }
  cv_.notify_all();
}

void ClusterEvents::publish_loop() {
  auto backoff = std::chrono::milliseconds(50);
  std::unique_lock lk(mu_);
  for (;;) {
    cv_.wait(lk, [&] { return stop_ || !queue_.empty(); });
    if (stop_) return;
    std::string message = queue_.front();
    lk.unlock();
    const bool sent = publish(message);
    lk.lock();
    if (sent) {
      if (!queue_.empty() && queue_.front() == message) queue_.pop_front();
      backoff = std::chrono::milliseconds(50);
      continue;
    }
    // Kept at the front; tried again after a pause (or at stop, dropped).
    cv_.wait_for(lk, backoff, [&] { return stop_; });
    backoff = std::min(backoff * 2, std::chrono::milliseconds(2000));
  }
}

void ClusterEvents::subscribe_loop() {
  auto backoff = std::chrono::milliseconds(100);
  bool report = true;  // log the first failure after each live period
  while (!stopping_) {
    const auto before = subscriptions_.load();
    auto s = subscribe_once();
    subscribed_ = false;
    if (stopping_) break;
    if (subscriptions_.load() != before) {  // it was live: start the backoff over
      backoff = std::chrono::milliseconds(100);
      report = true;
    }
    if (report) {
      log_.warn("cluster events: not subscribed; retrying", {{"error", s ? std::string("ended") : s.error().message()}});
      report = false;
    }
    std::unique_lock lk(mu_);
    cv_.wait_for(lk, backoff, [&] { return stop_; });
    backoff = std::min(backoff * 2, std::chrono::milliseconds(2000));
  }
}

Status ClusterEvents::subscribe_once() {
  const auto& opts = redis_.options();
  auto c = RedisConnection::connect(redis_.endpoint(), opts.connect_timeout, opts.operation_timeout);
  if (!c) return std::unexpected(c.error());
  RedisConnection& conn = **c;
  if (auto s = conn.send({"SUBSCRIBE", options_.channel}); !s) return s;
  // The confirmation, within the operation timeout.
  const auto confirm_by = std::chrono::steady_clock::now() + opts.operation_timeout;
  for (;;) {
    auto m = conn.next_push(std::chrono::milliseconds(50));
    if (!m) return std::unexpected(m.error());
    if (*m) {
      const auto& r = **m;
      if (r.type == RedisReply::Type::Array && !r.elements.empty() && r.elements[0].str == "subscribe") break;
      return fail(ErrorKind::Cache, "redis: SUBSCRIBE was not confirmed");
    }
    if (stopping_) return {};
    if (std::chrono::steady_clock::now() > confirm_by) return fail(ErrorKind::Cache, "redis: SUBSCRIBE timed out");
  }
  // Live from here: anything missed before is forgotten.
  subscribed_ = true;
  subscriptions_.fetch_add(1);
  events_.all_keys_changed();
  auth_.forget_all();
  if (subscriptions_ > 1) log_.info("cluster events: subscribed again; cached keys and authentications dropped");

  auto last_seen = std::chrono::steady_clock::now();
  bool ping_sent = false;
  while (!stopping_) {
    auto m = conn.next_push(std::chrono::milliseconds(100));
    if (!m) return std::unexpected(m.error());
    const auto now = std::chrono::steady_clock::now();
    if (*m) {
      last_seen = now;
      ping_sent = false;
      const auto& r = **m;
      if (r.type == RedisReply::Type::Array && r.elements.size() == 3 && r.elements[0].str == "message")
        deliver(r.elements[2].str);
      continue;
    }
    if (!ping_sent && now - last_seen > options_.heartbeat) {
      if (auto s = conn.send({"PING"}); !s) return s;
      ping_sent = true;
    } else if (ping_sent && now - last_seen > options_.heartbeat + opts.operation_timeout) {
      return fail(ErrorKind::Cache, "redis: heartbeat unanswered", {{"timeout", true}});
    }
  }
  return {};
}

void ClusterEvents::deliver(std::string_view message) {
  boost::system::error_code ec;
  auto v = boost::json::parse(message, ec);
  if (ec || !v.is_object()) return;
  const auto& m = v.as_object();
  auto str = [&](const char* k) -> std::string {
    auto* p = m.if_contains(k);
    return p && p->is_string() ? std::string(p->as_string()) : std::string();
  };
  if (str("o") == origin_) return;
  const std::string e = str("e"), t = str("t"), n = str("n");
  if (t.empty()) return;
  received_.fetch_add(1);
  delivering_remote = true;
  if (e == kDatasetKeys && !n.empty()) {
    events_.dataset_keys_changed(t, n);
  } else if (e == kTenantKey && !n.empty()) {
    events_.tenant_key_changed(t, n);
  } else if (e == kTenantPurged) {
    events_.tenant_purged(t);
    auth_.forget_tenant(t);
  } else if (e == kTenantKek) {
    events_.tenant_kek_changed(t);
  } else if (e == kAuthRevoked) {
    auth_.forget_tenant(t);
  }
  delivering_remote = false;
}

}  // namespace vault::cache
