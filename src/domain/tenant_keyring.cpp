#include "vault/domain/tenant_keyring.hpp"

#include "vault/core/ids.hpp"
#include "vault/crypto/envelope.hpp"

#include <algorithm>
#include <limits>

namespace vault::domain {
namespace {

constexpr std::size_t kMaxNameBytes = 128;
constexpr std::size_t kMaxMetaEntries = 100000;

Error not_found(const std::string& name) {
  return Error(ErrorKind::ResourceNotFound, "key not found", {{"resource", "key"}, {"name", name}});
}

Status check_name_and_type(const std::string& name, const std::string& type) {
  if (name.empty() || name.size() > kMaxNameBytes)
    return fail(ErrorKind::Validation, "a key name must have 1 to 128 characters", {{"field", "name"}});
  if (type != TenantKeyring::kDefaultType)
    return fail(ErrorKind::Validation, "unsupported key type (supported: aes256-gcm96)", {{"field", "type"}});
  return {};
}

TenantKeyInfo info_of(storage::TenantKeyConfig cfg, const std::vector<storage::TenantKey>& keys) {
  TenantKeyInfo out;
  out.config = std::move(cfg);
  for (const auto& k : keys) {
    out.versions.push_back(TenantKeyVersionInfo{k.version, k.state, k.created_at});
    out.latest_version = std::max(out.latest_version, k.version);
  }
  return out;
}

}  // namespace

TenantKeyring::TenantKeyring(storage::KeyStore& keys, crypto::KeyProvider& provider, KeyEvents& events,
                             TenantKeyringOptions options, const Clock& clock)
    : keys_(keys),
      provider_(provider),
      options_(options),
      clock_(clock),
      cache_(options.cache, clock),
      events_(events),
      tenant_purged_(events.on_tenant_purged([this](const std::string& tenant_id) { forget_tenant(tenant_id); })),
      // Settings and material of a changed key (here or on another replica).
      key_changed_(events.on_tenant_key_changed([this](const std::string& tenant_id, const std::string& name) {
        forget_meta(tenant_id, name);
        cache_.erase_dataset(tenant_id, name);  // the DekCache keys by "dataset" = name
      })),
      all_changed_(events.on_all_keys_changed([this] {
        cache_.clear();
        std::lock_guard lk(meta_mu_);
        meta_.clear();
      })) {}

Result<std::string> TenantKeyring::new_wrapped_key(const std::string& tenant_id) {
  if (auto s = provider_.ensure_kek(tenant_id); !s) return std::unexpected(s.error());
  crypto::SecureBytes material = crypto::generate_dek();
  auto wrapped = provider_.wrap(tenant_id, material);
  if (!wrapped) return std::unexpected(wrapped.error());
  return crypto::serialize_wrapped_key(*wrapped);
}

Result<TenantKeyring::Meta> TenantKeyring::load_meta(const std::string& tenant_id, const std::string& name) {
  auto cfg = keys_.get_tenant_key_config(tenant_id, name);
  if (!cfg) return std::unexpected(cfg.error());
  if (!*cfg) return std::unexpected(not_found(name));
  auto keys = keys_.list_tenant_keys(tenant_id, name);
  if (!keys) return std::unexpected(keys.error());
  Meta m;
  m.config = std::move(**cfg);
  for (const auto& k : *keys) m.latest = std::max(m.latest, k.version);
  if (m.latest == 0) return std::unexpected(not_found(name));  // deleted between the two reads
  m.fetched = clock_.steady_now();
  std::lock_guard lk(meta_mu_);
  if (meta_.size() >= kMaxMetaEntries) meta_.clear();
  meta_[{tenant_id, name}] = m;
  return m;
}

Result<TenantKeyring::Meta> TenantKeyring::meta(const std::string& tenant_id, const std::string& name) {
  {
    std::lock_guard lk(meta_mu_);
    auto it = meta_.find({tenant_id, name});
    if (it != meta_.end() && clock_.steady_now() - it->second.fetched < options_.meta_ttl)
      return it->second;
  }
  return load_meta(tenant_id, name);
}

void TenantKeyring::forget_meta(const std::string& tenant_id, const std::string& name) {
  std::lock_guard lk(meta_mu_);
  meta_.erase({tenant_id, name});
}

Result<TenantKeyInfo> TenantKeyring::create(const std::string& tenant_id, const std::string& name,
                                            const std::string& type) {
  if (auto s = check_name_and_type(name, type); !s) return std::unexpected(s.error());
  std::lock_guard create_lock(create_mu_);
  auto wrapped = new_wrapped_key(tenant_id);
  if (!wrapped) return std::unexpected(wrapped.error());
  const auto now = now_micros();
  storage::TenantKeyConfig cfg{tenant_id, name, type, 1, false, now, now};
  storage::TenantKey first{tenant_id, name, 1, std::move(*wrapped), storage::TenantKeyState::Active, now};
  if (auto s = keys_.create_tenant_key(cfg, first); !s) {
    crypto::wipe_string(first.wrapped);
    return std::unexpected(s.error());
  }
  events_.tenant_key_changed(tenant_id, name);
  return info(tenant_id, name);
}

Result<TenantKeyInfo> TenantKeyring::ensure(const std::string& tenant_id, const std::string& name,
                                            const std::string& type) {
  auto existing = info(tenant_id, name);
  if (existing || existing.error().kind() != ErrorKind::ResourceNotFound) return existing;
  auto created = create(tenant_id, name, type);
  // Lost a race with another thread or process: theirs is the key.
  if (!created && created.error().kind() == ErrorKind::Conflict) return info(tenant_id, name);
  return created;
}

Result<std::int64_t> TenantKeyring::rotate(const std::string& tenant_id, const std::string& name) {
  std::lock_guard create_lock(create_mu_);
  auto m = load_meta(tenant_id, name);
  if (!m) return std::unexpected(m.error());
  auto wrapped = new_wrapped_key(tenant_id);
  if (!wrapped) return std::unexpected(wrapped.error());
  storage::TenantKey next{
      tenant_id, name, m->latest + 1, std::move(*wrapped), storage::TenantKeyState::Active, now_micros()};
  if (auto s = keys_.put_tenant_key(next); !s) {
    events_.tenant_key_changed(tenant_id, name);
    if (s.error().kind() == ErrorKind::Conflict)
      return fail(ErrorKind::ConcurrentModification, "the key was rotated concurrently; retry",
                  {{"name", name}});
    return std::unexpected(s.error());
  }
  events_.tenant_key_changed(tenant_id, name);
  return next.version;
}

Result<std::shared_ptr<const crypto::DataKey>> TenantKeyring::key(const std::string& tenant_id,
                                                                  const std::string& name, std::int64_t version) {
  if (version < 1 || version > std::numeric_limits<std::uint32_t>::max())
    return fail(ErrorKind::KeyRetrieval, "no such key version", {{"name", name}, {"version", version}});
  const auto v32 = static_cast<std::uint32_t>(version);
  if (auto hit = cache_.get(tenant_id, name, v32)) return hit;
  auto keys = keys_.list_tenant_keys(tenant_id, name);
  if (!keys) return std::unexpected(keys.error());
  if (keys->empty()) return std::unexpected(not_found(name));
  for (const auto& k : *keys) {
    if (k.version != version) continue;
    auto wrapped = crypto::parse_wrapped_key(k.wrapped);
    if (!wrapped) return std::unexpected(wrapped.error());
    auto raw = provider_.unwrap(tenant_id, *wrapped);
    if (!raw) return std::unexpected(raw.error());
    auto dk = std::make_shared<crypto::DataKey>();
    dk->key_id = name;
    dk->version = v32;
    dk->key = std::move(*raw);
    std::shared_ptr<const crypto::DataKey> out = std::move(dk);
    cache_.put(tenant_id, name, out);
    return out;
  }
  return fail(ErrorKind::KeyRetrieval, "no such key version", {{"name", name}, {"version", version}});
}

Result<std::shared_ptr<const crypto::DataKey>> TenantKeyring::current(const std::string& tenant_id,
                                                                      const std::string& name) {
  auto m = meta(tenant_id, name);
  if (!m) return std::unexpected(m.error());
  return key(tenant_id, name, m->latest);
}

Result<TenantKeyInfo> TenantKeyring::info(const std::string& tenant_id, const std::string& name) {
  auto cfg = keys_.get_tenant_key_config(tenant_id, name);
  if (!cfg) return std::unexpected(cfg.error());
  if (!*cfg) return std::unexpected(not_found(name));
  auto keys = keys_.list_tenant_keys(tenant_id, name);
  if (!keys) return std::unexpected(keys.error());
  if (keys->empty()) return std::unexpected(not_found(name));
  return info_of(std::move(**cfg), *keys);
}

Result<storage::TenantKeyConfig> TenantKeyring::config(const std::string& tenant_id, const std::string& name) {
  auto m = meta(tenant_id, name);
  if (!m) return std::unexpected(m.error());
  return m->config;
}

Result<std::vector<storage::TenantKeyConfig>> TenantKeyring::list(const std::string& tenant_id,
                                                                  bool include_reserved) {
  auto all = keys_.list_tenant_key_names(tenant_id);
  if (!all) return all;
  if (!include_reserved)
    std::erase_if(*all, [](const storage::TenantKeyConfig& c) { return !c.name.empty() && c.name[0] == '_'; });
  return all;
}

Result<TenantKeyInfo> TenantKeyring::set_min_decryption_version(const std::string& tenant_id,
                                                                const std::string& name, std::int64_t v) {
  return configure(tenant_id, name, TenantKeyPatch{v, std::nullopt});
}

Result<TenantKeyInfo> TenantKeyring::configure(const std::string& tenant_id, const std::string& name,
                                               const TenantKeyPatch& patch) {
  auto current_info = info(tenant_id, name);
  if (!current_info) return current_info;
  storage::TenantKeyConfig cfg = current_info->config;
  if (patch.min_decryption_version) {
    const std::int64_t v = *patch.min_decryption_version;
    if (v < 1 || v > current_info->latest_version)
      return fail(ErrorKind::Validation, "min_decryption_version must be between 1 and the latest version",
                  {{"field", "min_decryption_version"}, {"latest_version", current_info->latest_version}});
    cfg.min_decryption_version = v;
  }
  if (patch.deletion_allowed) cfg.deletion_allowed = *patch.deletion_allowed;
  if (auto s = keys_.update_tenant_key_config(cfg); !s) return std::unexpected(s.error());
  events_.tenant_key_changed(tenant_id, name);
  return info(tenant_id, name);
}

Status TenantKeyring::destroy(const std::string& tenant_id, const std::string& name) {
  auto n = keys_.delete_tenant_keys(tenant_id, name);
  // Drops settings and the cached material of every version, here and (with
  // cache::ClusterEvents) on every other replica.
  events_.tenant_key_changed(tenant_id, name);
  if (!n) return std::unexpected(n.error());
  if (*n == 0) return std::unexpected(not_found(name));
  return {};
}

Result<std::int64_t> TenantKeyring::rewrap_all(const std::string& tenant_id) {
  auto names = keys_.list_tenant_key_names(tenant_id);
  if (!names) return std::unexpected(names.error());
  auto current_kek = provider_.current_version(tenant_id);
  if (!current_kek) {
    if (names->empty()) return 0;
    return std::unexpected(current_kek.error());
  }
  const std::string kek_id = crypto::kek_id_for(tenant_id);
  std::int64_t rewrapped = 0;
  for (const auto& cfg : *names) {
    auto keys = keys_.list_tenant_keys(tenant_id, cfg.name);
    if (!keys) return std::unexpected(keys.error());
    for (auto& k : *keys) {
      auto wrapped = crypto::parse_wrapped_key(k.wrapped);
      if (!wrapped) return std::unexpected(wrapped.error());
      if (wrapped->kek_version == *current_kek && wrapped->kek_id == kek_id) continue;
      auto raw = provider_.unwrap(tenant_id, *wrapped);
      if (!raw) return std::unexpected(raw.error());
      auto again = provider_.wrap(tenant_id, *raw);
      if (!again) return std::unexpected(again.error());
      k.wrapped = crypto::serialize_wrapped_key(*again);
      if (auto s = keys_.update_tenant_key(k); !s) return std::unexpected(s.error());
      ++rewrapped;
    }
  }
  return rewrapped;
}

void TenantKeyring::forget_tenant(const std::string& tenant_id) {
  cache_.erase_tenant(tenant_id);
  std::lock_guard lk(meta_mu_);
  std::erase_if(meta_, [&](const auto& e) { return e.first.first == tenant_id; });
}

}  // namespace vault::domain
