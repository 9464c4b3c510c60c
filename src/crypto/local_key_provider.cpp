#include "crypto/local_key_provider.hpp"

#include "crypto/key_files.hpp"
#include "crypto/wrapped_key.hpp"
#include "vault/core/private_files.hpp"
#include "vault/crypto/aead.hpp"
#include "vault/crypto/envelope.hpp"

#include <sys/file.h>
#include <fcntl.h>
#include <unistd.h>

#include <mutex>
#include <optional>

namespace vault::crypto {
namespace {

constexpr std::string_view kMagic = "VKR1";
constexpr std::string_view kKeyringKeyId = "vault-keyring";
constexpr std::string_view kKeyringAad = "vault-keyring-v1";
constexpr std::string_view kWrapLabel = "vault-kek-wrap";

auto no_kek() { return fail(ErrorKind::KeyRetrieval, "no key-encryption key for this tenant"); }

void put_u32(std::string& o, std::uint32_t v) {
  for (int s : {24, 16, 8, 0}) o.push_back(static_cast<char>(v >> s));
}

struct Reader {
  std::string_view in;
  bool ok = true;
  std::uint32_t u(int bytes) {
    if (in.size() < static_cast<std::size_t>(bytes)) {
      ok = false;
      return 0;
    }
    std::uint32_t v = 0;
    for (int i = 0; i < bytes; ++i) v = v << 8 | static_cast<unsigned char>(in[static_cast<std::size_t>(i)]);
    in.remove_prefix(static_cast<std::size_t>(bytes));
    return v;
  }
  std::string_view take(std::size_t n) {
    if (in.size() < n) {
      ok = false;
      return {};
    }
    auto s = in.substr(0, n);
    in.remove_prefix(n);
    return s;
  }
};

}  // namespace

// Plain keyring: "VKR1" u32 ntenants { u16 len tenant u32 nversions { u32 version u8 retired [32 key bytes if active] } }
std::string LocalKeyProvider::serialize(const Keyring& k) {
  std::string o(kMagic);
  put_u32(o, static_cast<std::uint32_t>(k.size()));
  for (const auto& [tenant, versions] : k) {
    o.push_back(static_cast<char>(tenant.size() >> 8));
    o.push_back(static_cast<char>(tenant.size()));
    o.append(tenant);
    put_u32(o, static_cast<std::uint32_t>(versions.size()));
    for (const auto& [v, e] : versions) {
      put_u32(o, v);
      o.push_back(e.retired ? 1 : 0);
      if (!e.retired) o.append(e.key.view());
    }
  }
  return o;
}

Result<LocalKeyProvider::Keyring> LocalKeyProvider::parse(std::string_view plain) {
  Reader r{plain};
  Keyring k;
  if (r.take(4) != kMagic) return fail(ErrorKind::KeyProvider, "keyring has an unknown format");
  const auto nt = r.u(4);
  for (std::uint32_t i = 0; r.ok && i < nt; ++i) {
    std::string tenant(r.take(r.u(2)));
    auto& versions = k[tenant];
    const auto nv = r.u(4);
    for (std::uint32_t j = 0; r.ok && j < nv; ++j) {
      const auto v = r.u(4);
      Version e;
      e.retired = r.u(1) != 0;
      if (!e.retired) e.key = SecureBytes::copy_of(r.take(kKeySize));
      versions[v] = std::move(e);
    }
  }
  if (!r.ok || !r.in.empty()) return fail(ErrorKind::KeyProvider, "keyring is corrupt");
  return k;
}

LocalKeyProvider::LocalKeyProvider(std::filesystem::path path, SecureBytes master, int lock_fd)
    : path_(std::move(path)), master_(std::move(master)), lock_fd_(lock_fd) {}

LocalKeyProvider::~LocalKeyProvider() {
  if (lock_fd_ >= 0) ::close(lock_fd_);  // releases the flock
}

Result<std::unique_ptr<LocalKeyProvider>> LocalKeyProvider::open(const std::filesystem::path& keyring_path,
                                                                 SecureBytes master_key) {
  if (master_key.size() != kKeySize) return fail(ErrorKind::Configuration, "master key must be 32 bytes");
  if (keyring_path.has_parent_path()) (void)create_private_dirs(keyring_path.parent_path());  // open() reports failures
  const auto lock_path = keyring_path.string() + ".lock";
  const int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return fail(ErrorKind::KeyProvider, "cannot open keyring lock file " + lock_path);
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd);
    return fail(ErrorKind::KeyProvider, "keyring " + keyring_path.string() + " is in use by another provider");
  }
  std::unique_ptr<LocalKeyProvider> p(new LocalKeyProvider(keyring_path, std::move(master_key), fd));
  auto file = detail::read_file(keyring_path);
  if (!file) return fail(file.error());
  if (!*file) {
    std::unique_lock lk(p->mu_);
    if (auto s = p->persist_locked(); !s) return fail(s.error());
    return p;
  }
  auto plain = open_secure(p->master_, kKeyringAad, **file);
  if (!plain)
    return fail(ErrorKind::KeyProvider,
                "keyring " + keyring_path.string() + " cannot be decrypted with the configured master key");
  auto k = parse(plain->view());
  if (!k) return fail(k.error());
  p->keyring_ = std::move(*k);
  return p;
}

Status LocalKeyProvider::persist_locked() {
  std::string plain = serialize(keyring_);
  auto sealed = seal(master_, kKeyringKeyId, 1, kKeyringAad, plain);
  wipe_string(plain);
  if (!sealed) return fail(ErrorKind::KeyProvider, "cannot seal keyring");
  return detail::write_file_atomic(path_, *sealed);
}

template <class F>
Status LocalKeyProvider::mutate(const std::string& tenant_id, F&& change) {
  std::unique_lock lk(mu_);
  std::optional<Tenant> before;
  if (auto it = keyring_.find(tenant_id); it != keyring_.end()) {
    before.emplace();
    for (const auto& [v, e] : it->second) (*before)[v] = Version{e.retired, e.key.clone()};
  }
  Tenant* entry = before ? &keyring_[tenant_id] : nullptr;
  auto r = change(entry);
  if (!r) return r;
  if (auto s = persist_locked(); !s) {
    if (before) keyring_[tenant_id] = std::move(*before);
    else keyring_.erase(tenant_id);
    return s;
  }
  return {};
}

Status LocalKeyProvider::ensure_kek(const std::string& tenant_id) {
  {
    std::shared_lock lk(mu_);
    if (keyring_.contains(tenant_id)) return {};
  }
  if (tenant_id.empty() || tenant_id.size() > 200)
    return fail(ErrorKind::Validation, "tenant id must be 1..200 bytes for a key-encryption key");
  return mutate(tenant_id, [&](Tenant* t) -> Status {
    if (t) return {};  // created concurrently
    keyring_[tenant_id][1] = Version{false, SecureBytes::random(kKeySize)};
    return {};
  });
}

Result<std::uint32_t> LocalKeyProvider::current_version(const std::string& tenant_id) {
  std::shared_lock lk(mu_);
  auto it = keyring_.find(tenant_id);
  if (it == keyring_.end() || it->second.empty()) return no_kek();
  return it->second.rbegin()->first;
}

Result<std::vector<std::uint32_t>> LocalKeyProvider::versions(const std::string& tenant_id) {
  std::shared_lock lk(mu_);
  std::vector<std::uint32_t> out;
  if (auto it = keyring_.find(tenant_id); it != keyring_.end())
    for (const auto& [v, e] : it->second)
      if (!e.retired) out.push_back(v);
  return out;
}

Result<WrappedKey> LocalKeyProvider::wrap(const std::string& tenant_id, ByteView dek) {
  std::shared_lock lk(mu_);
  auto it = keyring_.find(tenant_id);
  if (it == keyring_.end() || it->second.empty()) return no_kek();
  const auto& [version, e] = *it->second.rbegin();
  WrappedKey w{kek_id_for(tenant_id), version, {}};
  auto sealed = seal(e.key, w.kek_id, version, encode_aad({kWrapLabel, tenant_id}),
                     std::string_view(reinterpret_cast<const char*>(dek.data()), dek.size()));
  if (!sealed) return fail(sealed.error());
  w.bytes = std::move(*sealed);
  return w;
}

Result<SecureBytes> LocalKeyProvider::unwrap(const std::string& tenant_id, const WrappedKey& w) {
  if (auto h = detail::wrapped_key_header(tenant_id, w); !h) return fail(h.error());
  std::shared_lock lk(mu_);
  auto it = keyring_.find(tenant_id);
  if (it == keyring_.end()) return no_kek();
  auto v = it->second.find(w.kek_version);
  if (v == it->second.end()) return fail(ErrorKind::KeyRetrieval, "key-encryption key version does not exist");
  if (v->second.retired) return fail(ErrorKind::KeyRetrieval, "key-encryption key version is retired");
  return open_secure(v->second.key, encode_aad({kWrapLabel, tenant_id}), w.bytes);
}

Result<std::uint32_t> LocalKeyProvider::rotate(const std::string& tenant_id) {
  std::uint32_t created = 0;
  auto s = mutate(tenant_id, [&](Tenant* t) -> Status {
    if (!t || t->empty()) return no_kek();
    created = t->rbegin()->first + 1;
    (*t)[created] = Version{false, SecureBytes::random(kKeySize)};
    return {};
  });
  if (!s) return fail(s.error());
  return created;
}

Status LocalKeyProvider::retire(const std::string& tenant_id, std::uint32_t version) {
  return mutate(tenant_id, [&](Tenant* t) -> Status {
    if (!t) return no_kek();
    auto v = t->find(version);
    if (v == t->end()) return fail(ErrorKind::KeyRetrieval, "key-encryption key version does not exist");
    if (version == t->rbegin()->first)
      return fail(ErrorKind::Conflict, "cannot retire the current key-encryption key version; rotate first");
    v->second.retired = true;
    v->second.key.clear();
    return {};
  });
}

Status LocalKeyProvider::destroy(const std::string& tenant_id) {
  {
    std::shared_lock lk(mu_);
    if (!keyring_.contains(tenant_id)) return {};
  }
  return mutate(tenant_id, [&](Tenant*) -> Status {
    keyring_.erase(tenant_id);
    return {};
  });
}

Status LocalKeyProvider::ping() {
  std::shared_lock lk(mu_);
  std::error_code ec;
  if (!std::filesystem::exists(path_, ec)) return fail(ErrorKind::KeyProvider, "keyring file is missing");
  return {};
}

}  // namespace vault::crypto
