#include "vault/domain/key_events.hpp"

namespace vault::domain {

KeyEvents::Subscription& KeyEvents::Subscription::operator=(Subscription&& o) noexcept {
  if (this != &o) {
    reset();
    events_ = o.events_;
    id_ = o.id_;
    o.events_ = nullptr;
  }
  return *this;
}

void KeyEvents::Subscription::reset() {
  if (events_) events_->unsubscribe(id_);
  events_ = nullptr;
}

KeyEvents::Subscription KeyEvents::on_dataset_keys_changed(DatasetHandler h) {
  std::lock_guard lock(mu_);
  const auto id = next_id_++;
  dataset_handlers_.emplace(id, std::move(h));
  return Subscription(this, id);
}

KeyEvents::Subscription KeyEvents::on_tenant_purged(TenantHandler h) {
  std::lock_guard lock(mu_);
  const auto id = next_id_++;
  tenant_handlers_.emplace(id, std::move(h));
  return Subscription(this, id);
}

KeyEvents::Subscription KeyEvents::on_tenant_key_changed(TenantKeyHandler h) {
  std::lock_guard lock(mu_);
  const auto id = next_id_++;
  tenant_key_handlers_.emplace(id, std::move(h));
  return Subscription(this, id);
}

KeyEvents::Subscription KeyEvents::on_tenant_kek_changed(TenantHandler h) {
  std::lock_guard lock(mu_);
  const auto id = next_id_++;
  tenant_kek_handlers_.emplace(id, std::move(h));
  return Subscription(this, id);
}

KeyEvents::Subscription KeyEvents::on_all_keys_changed(AllHandler h) {
  std::lock_guard lock(mu_);
  const auto id = next_id_++;
  all_handlers_.emplace(id, std::move(h));
  return Subscription(this, id);
}

// Handlers run under the lock, so unsubscribe() waits for a running one:
// a subscriber that is being destroyed is never called.
void KeyEvents::dataset_keys_changed(const std::string& tenant_id, const std::string& dataset_id) const {
  std::lock_guard lock(mu_);
  for (const auto& [id, h] : dataset_handlers_) h(tenant_id, dataset_id);
}

void KeyEvents::tenant_purged(const std::string& tenant_id) const {
  std::lock_guard lock(mu_);
  for (const auto& [id, h] : tenant_handlers_) h(tenant_id);
}

void KeyEvents::tenant_key_changed(const std::string& tenant_id, const std::string& name) const {
  std::lock_guard lock(mu_);
  for (const auto& [id, h] : tenant_key_handlers_) h(tenant_id, name);
}

void KeyEvents::tenant_kek_changed(const std::string& tenant_id) const {
  std::lock_guard lock(mu_);
  for (const auto& [id, h] : tenant_kek_handlers_) h(tenant_id);
}

void KeyEvents::all_keys_changed() const {
  std::lock_guard lock(mu_);
  for (const auto& [id, h] : all_handlers_) h();
}

std::size_t KeyEvents::subscribers() const {
  std::lock_guard lock(mu_);
  return dataset_handlers_.size() + tenant_handlers_.size() + tenant_key_handlers_.size() + tenant_kek_handlers_.size() +
         all_handlers_.size();
}

void KeyEvents::unsubscribe(std::uint64_t id) {
  std::lock_guard lock(mu_);
  dataset_handlers_.erase(id);
  tenant_handlers_.erase(id);
  tenant_key_handlers_.erase(id);
  tenant_kek_handlers_.erase(id);
  all_handlers_.erase(id);
}

}  // namespace vault::domain
