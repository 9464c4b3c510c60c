#pragma once
/// Cache invalidations between replicas, over one Redis pub/sub channel, so
/// that a key change on one replica reaches every replica at once instead of
/// when their caches expire (DEKs 5 min, tenant-key settings 2 s,
/// authentications 5 s).
///
/// Out: every KeyEvents publication of this process (dataset keys changed,
/// tenant KEK changed, tenant purged, tenant key changed) is queued and
/// published by a thread of its own through the cache guard, so the request
/// that changed a key never waits on Redis. An API-key revocation is
/// published before the revoking request answers (waiting at most the cache
/// timeout; queued when Redis is not usable): the other replicas refuse the
/// key milliseconds after the answer — not before it, since they learn of it
/// asynchronously. A message that cannot be published stays queued and is
/// tried again with backoff (the queue keeps the newest `max_queued`).
///
/// In: a subscriber thread republishes the other replicas' messages on this
/// process's KeyEvents (a revocation or purge also drops the tenant's cached
/// authentications); its own messages are recognised by their origin id and
/// skipped, and a republished event is not sent out again.
///
/// Missed messages: while the subscription is not known to be live (Redis
/// down, restarted, stopped, or a heartbeat PING unanswered within
/// `heartbeat + operation_timeout`), messages of other replicas may be lost.
/// So each time the subscription is (re)established, this replica forgets
/// every cached key and authentication (KeyEvents::all_keys_changed,
/// AuthService::forget_all) — correct at the cost of a few unwraps.
///
/// Messages name tenants, datasets and key names (ids the store also holds
/// in clear), never keys or payloads.
#include "vault/cache/redis_client.hpp"
#include "vault/domain/auth_service.hpp"
#include "vault/domain/key_events.hpp"
#include "vault/observability/logger.hpp"
#include "vault/resilience/dependency_guard.hpp"

#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <thread>

namespace vault::cache {

struct ClusterEventsOptions {
  std::string channel = "vault:events";
  std::chrono::milliseconds heartbeat{1000};
  std::size_t max_queued = 10000;
};

class ClusterEvents {
 public:
  /// Starts both threads. Everything passed must outlive it; it must be
  /// destroyed before `events` and `auth`.
  ClusterEvents(RedisClient& redis, resilience::DependencyGuard& guard, domain::KeyEvents& events,
                domain::AuthService& auth, obs::Logger log, ClusterEventsOptions options = {});
  ~ClusterEvents();
  ClusterEvents(const ClusterEvents&) = delete;
  ClusterEvents& operator=(const ClusterEvents&) = delete;

  /// Whether the subscription is live now (health message).
  bool subscribed() const { return subscribed_.load(); }
  std::uint64_t published() const { return published_.load(); }
  std::uint64_t received() const { return received_.load(); }
  /// Times the subscription was (re)established (each forgets every cache).
  std::uint64_t subscriptions() const { return subscriptions_.load(); }
  /// "events: subscribed, N queued" for the readiness check's message.
  std::string describe() const;

 private:
  std::string message(std::string_view event, const std::string& tenant_id, const std::string& name) const;
  void enqueue(std::string_view event, const std::string& tenant_id, const std::string& name);
  /// Queues a message for the publisher thread.
  void push(std::string message);
  /// Publishes at once (the caller waits, bounded by the guard); queued when
  /// Redis is not usable or older messages wait.
  void publish_now(std::string_view event, const std::string& tenant_id);
  /// One PUBLISH through the guard; false when it failed (counted when not).
  bool publish(const std::string& message);
  void publish_loop();
  void subscribe_loop();
  /// One subscription, until it breaks or stop; Status of why it ended.
  Status subscribe_once();
  void deliver(std::string_view message);

  RedisClient& redis_;
  resilience::DependencyGuard& guard_;
  domain::KeyEvents& events_;
  domain::AuthService& auth_;
  obs::Logger log_;
  const ClusterEventsOptions options_;
  const std::string origin_;  ///< random id of this process

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::string> queue_;
  bool stop_ = false;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> subscribed_{false};
  std::atomic<std::uint64_t> published_{0}, received_{0}, subscriptions_{0};

  std::thread publisher_;
  std::thread subscriber_;
  // Last: end before the rest goes (no handler runs once they are gone).
  domain::KeyEvents::Subscription dataset_keys_;
  domain::KeyEvents::Subscription tenant_purged_;
  domain::KeyEvents::Subscription tenant_key_;
  domain::KeyEvents::Subscription tenant_kek_;
};

}  // namespace vault::cache
