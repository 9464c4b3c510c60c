#include "crypto/pkcs11_key_provider.hpp"

#include "crypto/wrapped_key.hpp"
#include "vault/crypto/aead.hpp"
#include "vault/crypto/envelope.hpp"

#include <openssl/rand.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstring>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include "crypto/pkcs11_module.hpp"  // last: pkcs11.h

namespace vault::crypto {

using detail::pkcs11_error;

namespace {

constexpr std::string_view kWrapLabel = "vault-kek-wrap";
constexpr unsigned long kTagBits = 128;

auto no_kek() { return fail(ErrorKind::KeyRetrieval, "no key-encryption key for this tenant"); }

std::string label_for(const std::string& tenant, std::uint32_t version) {
  return "vault-kek/" + tenant + "/" + std::to_string(version);
}

}  // namespace

struct Pkcs11KeyProvider::Impl {
  std::shared_ptr<detail::Pkcs11Module> module;
  ck_function_list* f = nullptr;
  ck_session_handle_t session = 0;
  bool has_session = false;
  std::mutex mu;
  /// tenant -> version -> object handle (only tenants looked up so far).
  std::map<std::string, std::map<std::uint32_t, ck_object_handle_t>> cache;

  ~Impl() {
    if (has_session) f->C_CloseSession(session);
  }

  /// All KEK versions of the tenant in the token (cached; another process
  /// sharing the token may change them: callers that find the cache wrong
  /// drop the entry and look again). Caller holds mu.
  Result<const std::map<std::uint32_t, ck_object_handle_t>*> find_locked(const std::string& tenant) {
    if (auto it = cache.find(tenant); it != cache.end()) return &it->second;
    const std::string id = kek_id_for(tenant);
    ck_object_class_t cls = CKO_SECRET_KEY;
    ck_attribute tmpl[] = {{CKA_CLASS, &cls, sizeof cls},
                           {CKA_ID, const_cast<char*>(id.data()), id.size()}};
    ck_rv_t rv = f->C_FindObjectsInit(session, tmpl, 2);
    if (rv != CKR_OK) return fail(pkcs11_error("C_FindObjectsInit", rv));
    std::vector<ck_object_handle_t> handles;
    for (;;) {
      ck_object_handle_t batch[32];
      unsigned long n = 0;
      rv = f->C_FindObjects(session, batch, 32, &n);
      if (rv != CKR_OK || n == 0) break;
      handles.insert(handles.end(), batch, batch + n);
    }
    f->C_FindObjectsFinal(session);
    if (rv != CKR_OK) return fail(pkcs11_error("C_FindObjects", rv));
    std::map<std::uint32_t, ck_object_handle_t> versions;
    const std::string prefix = "vault-kek/" + tenant + "/";
    for (auto h : handles) {
      char label[300];
      ck_attribute a{CKA_LABEL, label, sizeof label};
      if (f->C_GetAttributeValue(session, h, &a, 1) != CKR_OK) continue;
      std::string_view l(label, a.value_len);
      if (!l.starts_with(prefix)) continue;
      l.remove_prefix(prefix.size());
      std::uint32_t v = 0;
      auto [p, ec] = std::from_chars(l.data(), l.data() + l.size(), v);
      if (ec == std::errc{} && p == l.data() + l.size() && v > 0) versions[v] = h;
    }
    if (versions.empty()) return static_cast<const std::map<std::uint32_t, ck_object_handle_t>*>(nullptr);
    return &(cache[tenant] = std::move(versions));
  }

  Result<ck_object_handle_t> generate_locked(const std::string& tenant, std::uint32_t version) {
    const std::string id = kek_id_for(tenant);
    const std::string label = label_for(tenant, version);
    ck_object_class_t cls = CKO_SECRET_KEY;
    ck_key_type_t type = CKK_AES;
    unsigned long len = kKeySize;
    unsigned char yes = 1, no = 0;
    ck_attribute tmpl[] = {
        {CKA_CLASS, &cls, sizeof cls},          {CKA_KEY_TYPE, &type, sizeof type},
        {CKA_VALUE_LEN, &len, sizeof len},      {CKA_TOKEN, &yes, sizeof yes},
        {CKA_PRIVATE, &yes, sizeof yes},        {CKA_SENSITIVE, &yes, sizeof yes},
        {CKA_EXTRACTABLE, &no, sizeof no},      {CKA_ENCRYPT, &yes, sizeof yes},
        {CKA_DECRYPT, &yes, sizeof yes},        {CKA_WRAP, &no, sizeof no},
        {CKA_UNWRAP, &no, sizeof no},           {CKA_MODIFIABLE, &no, sizeof no},
        {CKA_ID, const_cast<char*>(id.data()), id.size()},
        {CKA_LABEL, const_cast<char*>(label.data()), label.size()},
    };
    ck_mechanism mech{CKM_AES_KEY_GEN, nullptr, 0};
    ck_object_handle_t h = 0;
    const ck_rv_t rv = f->C_GenerateKey(session, &mech, tmpl, sizeof tmpl / sizeof tmpl[0], &h);
    if (rv != CKR_OK) return fail(pkcs11_error("C_GenerateKey", rv));
    cache[tenant][version] = h;
    return h;
  }
};

Pkcs11KeyProvider::Pkcs11KeyProvider(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Pkcs11KeyProvider::~Pkcs11KeyProvider() = default;

Result<std::unique_ptr<Pkcs11KeyProvider>> Pkcs11KeyProvider::open(Pkcs11Config config) {
  auto module = detail::Pkcs11Module::load(config.module_path);
  if (!module) return fail(module.error());
  auto impl = std::make_unique<Impl>();
  impl->module = std::move(*module);
  impl->f = impl->module->fn();
  ck_function_list* f = impl->f;

  ck_rv_t rv = CKR_OK;
  std::optional<ck_slot_id_t> slot;
  // A token shared by several processes (replicas on one file-backed token)
  // can be unreadable for a moment while another process writes it: look a
  // few times before giving up.
  for (int attempt = 0; !slot && attempt < 10; ++attempt) {
    if (attempt > 0) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    unsigned long count = 0;
    rv = f->C_GetSlotList(1, nullptr, &count);
    if (rv != CKR_OK) return fail(pkcs11_error("C_GetSlotList", rv));
    std::vector<ck_slot_id_t> slots(count);
    rv = f->C_GetSlotList(1, slots.data(), &count);
    if (rv != CKR_OK) return fail(pkcs11_error("C_GetSlotList", rv));
    slots.resize(count);
    for (auto s : slots) {
      ck_token_info info{};
      if (f->C_GetTokenInfo(s, &info) != CKR_OK) continue;
      std::string_view label(reinterpret_cast<const char*>(info.label), sizeof info.label);
      while (!label.empty() && (label.back() == ' ' || label.back() == '\0')) label.remove_suffix(1);
      if (label == config.token_label) {
        slot = s;
        break;
      }
    }
  }
  if (!slot) return fail(ErrorKind::KeyProvider, "no PKCS#11 token labelled '" + config.token_label + "'");
  rv = f->C_OpenSession(*slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, nullptr, nullptr, &impl->session);
  if (rv != CKR_OK) return fail(pkcs11_error("C_OpenSession", rv));
  impl->has_session = true;
  rv = f->C_Login(impl->session, CKU_USER, config.pin.data(), config.pin.size());
  if (rv != CKR_OK && rv != CKR_USER_ALREADY_LOGGED_IN) return fail(pkcs11_error("C_Login", rv));
  return std::unique_ptr<Pkcs11KeyProvider>(new Pkcs11KeyProvider(std::move(impl)));
}

Status Pkcs11KeyProvider::ensure_kek(const std::string& tenant_id) {
  if (tenant_id.empty() || tenant_id.size() > 200)
    return fail(ErrorKind::Validation, "tenant id must be 1..200 bytes for a key-encryption key");
  std::lock_guard lk(impl_->mu);
  auto found = impl_->find_locked(tenant_id);
  if (!found) return fail(found.error());
  if (*found) return {};
  auto h = impl_->generate_locked(tenant_id, 1);
  if (!h) return fail(h.error());
  return {};
}

Result<std::uint32_t> Pkcs11KeyProvider::current_version(const std::string& tenant_id) {
  std::lock_guard lk(impl_->mu);
  auto found = impl_->find_locked(tenant_id);
  if (!found) return fail(found.error());
  if (!*found) return no_kek();
  return (*found)->rbegin()->first;
}

Result<std::vector<std::uint32_t>> Pkcs11KeyProvider::versions(const std::string& tenant_id) {
  std::lock_guard lk(impl_->mu);
  auto found = impl_->find_locked(tenant_id);
  if (!found) return fail(found.error());
  std::vector<std::uint32_t> out;
  if (*found)
    for (const auto& [v, h] : **found) out.push_back(v);
  return out;
}

Result<WrappedKey> Pkcs11KeyProvider::wrap(const std::string& tenant_id, ByteView dek) {
  auto w = wrap_once(tenant_id, dek);
  if (w || w.error().kind() == ErrorKind::Validation) return w;
  // The cached current version may have been retired by another process
  // sharing the token (its handle is gone): look again, once.
  forget_cached(tenant_id);
  return wrap_once(tenant_id, dek);
}

Result<WrappedKey> Pkcs11KeyProvider::wrap_once(const std::string& tenant_id, ByteView dek) {
  WrappedKey w{kek_id_for(tenant_id), 0, {}};
  std::lock_guard lk(impl_->mu);
  auto found = impl_->find_locked(tenant_id);
  if (!found) return fail(found.error());
  if (!*found) return no_kek();
  const auto [version, handle] = *(*found)->rbegin();
  w.kek_version = version;
  auto header = encode_header(w.kek_id, version);
  if (!header) return fail(header.error());
  std::string aad = *header + encode_aad({kWrapLabel, tenant_id});
  std::string out(header->size() + kNonceSize + dek.size() + kTagSize, '\0');
  std::memcpy(out.data(), header->data(), header->size());
  auto* nonce = reinterpret_cast<unsigned char*>(out.data() + header->size());
  if (RAND_bytes(nonce, static_cast<int>(kNonceSize)) != 1)
    return fail(ErrorKind::EncryptionOperation, "CSPRNG failure");
  ck_gcm_params gcm{nonce, kNonceSize, kNonceSize * 8, reinterpret_cast<unsigned char*>(aad.data()),
                    aad.size(), kTagBits};
  ck_mechanism mech{CKM_AES_GCM, &gcm, sizeof gcm};
  ck_rv_t rv = impl_->f->C_EncryptInit(impl_->session, &mech, handle);
  if (rv != CKR_OK) return fail(pkcs11_error("C_EncryptInit", rv));
  unsigned long out_len = dek.size() + kTagSize;
  rv = impl_->f->C_Encrypt(impl_->session, const_cast<unsigned char*>(dek.data()), dek.size(),
                           nonce + kNonceSize, &out_len);
  if (rv != CKR_OK || out_len != dek.size() + kTagSize) {
    auto e = pkcs11_error("C_Encrypt", rv);
    return fail(ErrorKind::EncryptionOperation, e.message());
  }
  w.bytes = std::move(out);
  return w;
}

Result<SecureBytes> Pkcs11KeyProvider::unwrap(const std::string& tenant_id, const WrappedKey& w) {
  auto h = detail::wrapped_key_header(tenant_id, w);
  if (!h) return fail(h.error());
  std::lock_guard lk(impl_->mu);
  auto found = impl_->find_locked(tenant_id);
  if (!found) return fail(found.error());
  if (!*found) return no_kek();
  auto it = (*found)->find(w.kek_version);
  if (it == (*found)->end()) {
    // Perhaps created by another process sharing the token since we looked.
    impl_->cache.erase(tenant_id);
    found = impl_->find_locked(tenant_id);
    if (!found) return fail(found.error());
    if (!*found) return no_kek();
    it = (*found)->find(w.kek_version);
    if (it == (*found)->end())
      return fail(ErrorKind::KeyRetrieval, "key-encryption key version does not exist or is retired");
  }
  std::string aad = w.bytes.substr(0, h->header_size) + encode_aad({kWrapLabel, tenant_id});
  std::string in = w.bytes.substr(h->header_size);  // nonce || ct || tag
  auto* nonce = reinterpret_cast<unsigned char*>(in.data());
  ck_gcm_params gcm{nonce, kNonceSize, kNonceSize * 8, reinterpret_cast<unsigned char*>(aad.data()),
                    aad.size(), kTagBits};
  ck_mechanism mech{CKM_AES_GCM, &gcm, sizeof gcm};
  ck_rv_t rv = impl_->f->C_DecryptInit(impl_->session, &mech, it->second);
  if (rv != CKR_OK) return fail(pkcs11_error("C_DecryptInit", rv));
  const std::size_t ct_len = in.size() - kNonceSize;  // includes the tag
  SecureBytes buf(ct_len);
  unsigned long out_len = buf.size();
  rv = impl_->f->C_Decrypt(impl_->session, nonce + kNonceSize, ct_len, buf.data(), &out_len);
  if (rv != CKR_OK || out_len + kTagSize != ct_len)
    return fail(ErrorKind::DecryptionOperation, "wrapped key failed authentication");
  return SecureBytes::copy_of(ByteView(buf.data(), out_len));
}

Result<std::uint32_t> Pkcs11KeyProvider::rotate(const std::string& tenant_id) {
  std::lock_guard lk(impl_->mu);
  impl_->cache.erase(tenant_id);  // the token's versions now, not what we saw before
  auto found = impl_->find_locked(tenant_id);
  if (!found) return fail(found.error());
  if (!*found) return no_kek();
  const std::uint32_t next = (*found)->rbegin()->first + 1;
  auto h = impl_->generate_locked(tenant_id, next);
  if (!h) return fail(h.error());
  return next;
}

Status Pkcs11KeyProvider::retire(const std::string& tenant_id, std::uint32_t version) {
  std::lock_guard lk(impl_->mu);
  impl_->cache.erase(tenant_id);
  auto found = impl_->find_locked(tenant_id);
  if (!found) return fail(found.error());
  if (!*found) return no_kek();
  const std::uint32_t current = (*found)->rbegin()->first;
  if (version == current)
    return fail(ErrorKind::Conflict, "cannot retire the current key-encryption key version; rotate first");
  if (version == 0 || version > current)
    return fail(ErrorKind::KeyRetrieval, "key-encryption key version does not exist");
  auto it = (*found)->find(version);
  if (it == (*found)->end()) return {};  // already retired
  const ck_rv_t rv = impl_->f->C_DestroyObject(impl_->session, it->second);
  if (rv != CKR_OK) return fail(pkcs11_error("C_DestroyObject", rv));
  impl_->cache[tenant_id].erase(version);
  return {};
}

Status Pkcs11KeyProvider::destroy(const std::string& tenant_id) {
  std::lock_guard lk(impl_->mu);
  impl_->cache.erase(tenant_id);
  auto found = impl_->find_locked(tenant_id);
  if (!found) return fail(found.error());
  if (!*found) return {};
  auto versions = **found;
  for (const auto& [v, h] : versions) {
    const ck_rv_t rv = impl_->f->C_DestroyObject(impl_->session, h);
    if (rv != CKR_OK) {
      impl_->cache.erase(tenant_id);
      return fail(pkcs11_error("C_DestroyObject", rv));
    }
  }
  impl_->cache.erase(tenant_id);
  return {};
}

void Pkcs11KeyProvider::forget_cached(const std::string& tenant_id) {
  std::lock_guard lk(impl_->mu);
  impl_->cache.erase(tenant_id);
}

void Pkcs11KeyProvider::forget_all_cached() {
  std::lock_guard lk(impl_->mu);
  impl_->cache.clear();
}

Status Pkcs11KeyProvider::ping() {
  std::lock_guard lk(impl_->mu);
  ck_session_info info{};
  const ck_rv_t rv = impl_->f->C_GetSessionInfo(impl_->session, &info);
  if (rv != CKR_OK) return fail(pkcs11_error("C_GetSessionInfo", rv));
  return {};
}

}  // namespace vault::crypto
