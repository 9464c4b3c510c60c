#include "vault/domain/auth_service.hpp"

#include "vault/core/ids.hpp"

#include <algorithm>

namespace vault::domain {
namespace {

bool valid_name(const std::string& n) {
  if (n.empty() || n.size() > 128) return false;
  return std::all_of(n.begin(), n.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '-' || c == '_' || c == '.';
  });
}

}  // namespace

AuthService::AuthService(storage::TenantStore& tenants, std::chrono::milliseconds cache_ttl, const Clock& clock)
    : tenants_(tenants), ttl_(cache_ttl), clock_(clock) {}

std::string AuthService::hash_secret(std::string_view secret) { return sha256_hex(secret); }

Result<std::optional<std::string>> AuthService::bootstrap(const std::optional<std::string>& given) {
  auto tenants = tenants_.list_tenants();
  if (!tenants) return std::unexpected(tenants.error());
  for (const auto& t : *tenants)
    if (t.name == kSystemTenantName) system_tenant_id_ = t.id;
  if (!system_tenant_id_.empty()) {
    auto keys = tenants_.list_api_keys(system_tenant_id_);
    if (!keys) return std::unexpected(keys.error());
    const bool has_admin = std::any_of(keys->begin(), keys->end(), [](const storage::ApiKey& k) {
      return !k.revoked && k.role == storage::Role::Admin;
    });
    if (has_admin) return std::optional<std::string>{};
  }
  if (system_tenant_id_.empty()) {
    auto t = create_tenant(std::string(kSystemTenantName));
    if (!t) return std::unexpected(t.error());
    system_tenant_id_ = t->id;
  }
  const std::string secret = given ? *given : "vk_" + random_token(32);
  auto k = create_key_with_secret(system_tenant_id_, "bootstrap-admin", storage::Role::Admin, secret);
  if (!k) return std::unexpected(k.error());
  return given ? std::optional<std::string>{} : std::optional<std::string>{secret};
}

Result<Caller> AuthService::authenticate(std::string_view secret) {
  if (secret.empty() || secret.size() > 512)
    return fail(ErrorKind::Authentication, "missing or invalid API key");
  const std::string h = hash_secret(secret);
  const auto now = clock_.steady_now();
  std::uint64_t generation = 0;
  {
    std::lock_guard lk(mu_);
    if (auto it = cache_.find(h); it != cache_.end() && it->second.expires > now)
      return it->second.caller;
    generation = generation_;
  }
  auto k = tenants_.find_api_key_by_hash(h);
  if (after_lookup_) after_lookup_();
  if (!k) {
    if (k.error().kind() == ErrorKind::ApiKeyNotFound)
      return fail(ErrorKind::Authentication, "missing or invalid API key");
    if (stale_grace_.count() > 0 && dependency_unavailable(k.error().kind())) {
      std::lock_guard lk(mu_);
      if (auto it = cache_.find(h); it != cache_.end() && it->second.expires + stale_grace_ > now)
        return it->second.caller;
    }
    return std::unexpected(k.error());
  }
  if (k->revoked) return fail(ErrorKind::Authentication, "the API key has been revoked");
  Caller c{k->tenant_id, k->id, k->role,
           k->role == storage::Role::Admin && k->tenant_id == system_tenant_id_, k->permissions};
  std::lock_guard lk(mu_);
  // A revocation since the lookup began may have made `k` stale: answer from
  // the lookup (the request was already in flight) but do not cache it.
  if (generation != generation_) return c;
  if (cache_.size() > 10000) cache_.clear();
  cache_[h] = CacheEntry{c, now + ttl_};
  return c;
}

Result<storage::Tenant> AuthService::create_tenant(const std::string& name) {
  if (!valid_name(name))
    return fail(ErrorKind::Validation, "tenant name must be 1-128 characters of [A-Za-z0-9._-]",
                {{"field", "name"}});
  storage::Tenant t{new_id("tn"), name, "active", now_micros()};
  if (auto s = tenants_.create_tenant(t); !s) return std::unexpected(s.error());
  return t;
}

Result<storage::Tenant> AuthService::get_tenant(const std::string& id) { return tenants_.get_tenant(id); }

Result<std::vector<storage::Tenant>> AuthService::list_tenants() { return tenants_.list_tenants(); }

Result<CreatedKey> AuthService::create_key(const std::string& tenant_id, const std::string& name,
                                           storage::Role role, std::vector<std::string> permissions) {
  for (const auto& p : permissions)
    if (p != "pii:detokenize")
      return fail(ErrorKind::Validation, "unknown permission (known: pii:detokenize)", {{"field", "permissions"}});
  if (!valid_name(name))
    return fail(ErrorKind::Validation, "key name must be 1-128 characters of [A-Za-z0-9._-]",
                {{"field", "name"}});
  if (auto t = tenants_.get_tenant(tenant_id); !t) return std::unexpected(t.error());
  return create_key_with_secret(tenant_id, name, role, "vk_" + random_token(32), std::move(permissions));
}

Result<CreatedKey> AuthService::create_key_with_secret(const std::string& tenant_id,
                                                       const std::string& name,
                                                       storage::Role role, std::string secret,
                                                       std::vector<std::string> permissions) {
  storage::ApiKey k;
  k.id = new_id("key");
  k.tenant_id = tenant_id;
  k.name = name;
  k.role = role;
  k.key_hash = hash_secret(secret);
  k.prefix = secret.substr(0, std::min<std::size_t>(8, secret.size()));
  k.created_at = now_micros();
  k.permissions = std::move(permissions);
  if (auto s = tenants_.create_api_key(k); !s) return std::unexpected(s.error());
  return CreatedKey{k, std::move(secret)};
}

Result<std::vector<storage::ApiKey>> AuthService::list_keys(const std::string& tenant_id) {
  return tenants_.list_api_keys(tenant_id);
}

Status AuthService::revoke_key(const std::string& tenant_id, const std::string& key_id) {
  std::lock_guard serial(revoke_mu_);
  if (!system_tenant_id_.empty() && tenant_id == system_tenant_id_) {
    auto keys = tenants_.list_api_keys(tenant_id);
    if (!keys) return std::unexpected(keys.error());
    auto active_admin = [](const storage::ApiKey& k) { return !k.revoked && k.role == storage::Role::Admin; };
    auto it = std::find_if(keys->begin(), keys->end(), [&](const storage::ApiKey& k) { return k.id == key_id; });
    if (it != keys->end() && active_admin(*it) && std::count_if(keys->begin(), keys->end(), active_admin) == 1)
      return fail(ErrorKind::Conflict,
                  "this is the last active platform admin key; create another admin key before revoking it",
                  {{"api_key_id", key_id}});
  }
  // Store first, then evict: a lookup that read the key before the store
  // change sees the generation move and does not cache it.
  if (auto s = tenants_.revoke_api_key(tenant_id, key_id); !s) return s;
  {
    std::lock_guard lk(mu_);
    ++generation_;
    std::erase_if(cache_, [&](const auto& kv) { return kv.second.caller.api_key_id == key_id; });
  }
  if (revoked_) revoked_(tenant_id);
  return {};
}

void AuthService::forget_all() {
  std::lock_guard lk(mu_);
  ++generation_;
  cache_.clear();
}

void AuthService::forget_tenant(const std::string& tenant_id) {
  std::lock_guard lk(mu_);
  ++generation_;
  std::erase_if(cache_, [&](const auto& kv) { return kv.second.caller.tenant_id == tenant_id; });
}

}  // namespace vault::domain
