// TenantPurger: deletes a tenant and destroys its key material.
#include "vault/domain/tenant_purge.hpp"

namespace vault::domain {

TenantPurger::TenantPurger(storage::TenantStore& tenants, storage::DatasetStore& datasets, AuthService& auth,
                           crypto::Envelope* envelope, KeyRotationService* rotation, KeyEvents& events)
    : tenants_(tenants),
      datasets_(datasets),
      auth_(auth),
      envelope_(envelope),
      rotation_(rotation),
      events_(events) {}

Status TenantPurger::destroy_keys(const std::string& tenant_id) {
  if (!envelope_) return {};
  envelope_->forget_tenant(tenant_id);
  return envelope_->provider().destroy(tenant_id);
}

Status TenantPurger::purge(const std::string& tenant_id, const std::string& caller_tenant_id) {
  if (auto t = tenants_.get_tenant(tenant_id); !t) return std::unexpected(t.error());
  if (tenant_id == auth_.system_tenant_id())
    return fail(ErrorKind::Conflict, "the platform's own tenant cannot be purged");
  if (tenant_id == caller_tenant_id)
    return fail(ErrorKind::Conflict, "a tenant cannot purge itself");

  // Which datasets go (for the key events), before they are deleted.
  std::vector<std::string> datasets;
  storage::DatasetFilter f;
  f.limit = 1000;
  for (;;) {
    auto page = datasets_.list_datasets(tenant_id, f);
    if (!page) return std::unexpected(page.error());
    for (const auto& d : *page) datasets.push_back(d.id);
    if (static_cast<int>(page->size()) < f.limit) break;
    f.after_id = page->back().id;
  }

  if (rotation_) rotation_->cancel_tenant(tenant_id);
  // Keys first: from here on nothing of the tenant can be decrypted, even
  // if deleting the rows below fails (the purge can then be retried).
  if (auto s = destroy_keys(tenant_id); !s) return s;
  if (auto s = tenants_.delete_tenant(tenant_id); !s) return s;
  auth_.forget_tenant(tenant_id);
  // A write in flight during the purge may have re-created a KEK.
  if (auto s = destroy_keys(tenant_id); !s) return s;
  for (const auto& d : datasets) events_.dataset_keys_changed(tenant_id, d);
  events_.tenant_purged(tenant_id);
  return {};
}

}  // namespace vault::domain
