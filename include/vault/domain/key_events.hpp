#pragma once
/// Lifecycle events of keys and of what they protect, owned by the domain.
///
/// The services that change keys publish (DatasetService when a dataset and
/// its data keys are deleted, KeyRotationService when a dataset's data keys
/// change or a tenant's KEK does, TenantKeyring when a named tenant key
/// changes, TenantPurger when a tenant is shredded); the services that cache key state subscribe in
/// their own constructors (EnvelopePayloadCodec, TenantKeyring, PiiService).
/// With several replicas, cache::ClusterEvents carries every publication to
/// the other replicas' KeyEvents, and publishes all_keys_changed() there when
/// it may have missed some (after its connection to Redis was lost). Both take the KeyEvents by reference, so a
/// cache cannot be left out of the wiring: forgetting one would keep serving
/// a shredded or retired key from memory.
///
/// Handlers run synchronously on the publishing thread, in subscription
/// order, after the change is durable in the store, one publication at a
/// time; they must be quick, must not throw, and must not publish or
/// subscribe themselves. Thread-safe otherwise.
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>

namespace vault::domain {

class KeyEvents {
 public:
  using DatasetHandler = std::function<void(const std::string& tenant_id, const std::string& dataset_id)>;
  using TenantHandler = std::function<void(const std::string& tenant_id)>;
  using TenantKeyHandler = std::function<void(const std::string& tenant_id, const std::string& name)>;
  using AllHandler = std::function<void()>;

  /// Ends its subscription when destroyed (hold it as the subscriber's last
  /// member, so it goes first); once destroyed, its handler is not running
  /// and will not run again.
  class Subscription {
   public:
    Subscription() = default;
    Subscription(Subscription&& o) noexcept : events_(o.events_), id_(o.id_) { o.events_ = nullptr; }
    Subscription& operator=(Subscription&& o) noexcept;
    Subscription(const Subscription&) = delete;
    Subscription& operator=(const Subscription&) = delete;
    ~Subscription() { reset(); }
    void reset();

   private:
    friend class KeyEvents;
    Subscription(KeyEvents* events, std::uint64_t id) : events_(events), id_(id) {}
    KeyEvents* events_ = nullptr;
    std::uint64_t id_ = 0;
  };

  KeyEvents() = default;
  KeyEvents(const KeyEvents&) = delete;
  KeyEvents& operator=(const KeyEvents&) = delete;

  /// A dataset's data keys changed (rotation, retirement) or are gone (the
  /// dataset was deleted, alone or with its tenant): cached data keys and
  /// active-version state of that dataset are stale.
  [[nodiscard]] Subscription on_dataset_keys_changed(DatasetHandler h);
  /// A tenant was purged (its keys destroyed): every cached key, token or
  /// derived secret of that tenant is stale.
  [[nodiscard]] Subscription on_tenant_purged(TenantHandler h);
  /// A named tenant key (transit, "_anonymization") was created, rotated,
  /// reconfigured or destroyed: its cached settings and material are stale.
  [[nodiscard]] Subscription on_tenant_key_changed(TenantKeyHandler h);
  /// A tenant's KEK got a new version or lost one (rotation, retirement):
  /// what a process remembers of its versions (KeyProvider::forget_cached) is
  /// stale.
  [[nodiscard]] Subscription on_tenant_kek_changed(TenantHandler h);
  /// Any cached key state may be stale (events from other replicas may have
  /// been missed): forget everything cached.
  [[nodiscard]] Subscription on_all_keys_changed(AllHandler h);

  void dataset_keys_changed(const std::string& tenant_id, const std::string& dataset_id) const;
  void tenant_purged(const std::string& tenant_id) const;
  void tenant_key_changed(const std::string& tenant_id, const std::string& name) const;
  void tenant_kek_changed(const std::string& tenant_id) const;
  void all_keys_changed() const;

  /// Live subscriptions (tests).
  std::size_t subscribers() const;

 private:
  void unsubscribe(std::uint64_t id);

  mutable std::mutex mu_;
  std::uint64_t next_id_ = 1;
  std::map<std::uint64_t, DatasetHandler> dataset_handlers_;
  std::map<std::uint64_t, TenantHandler> tenant_handlers_;
  std::map<std::uint64_t, TenantKeyHandler> tenant_key_handlers_;
  std::map<std::uint64_t, TenantHandler> tenant_kek_handlers_;
  std::map<std::uint64_t, AllHandler> all_handlers_;
};

}  // namespace vault::domain
