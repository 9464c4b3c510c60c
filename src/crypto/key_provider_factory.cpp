#include "crypto/key_files.hpp"
#include "crypto/local_key_provider.hpp"
#include "crypto/observed_key_provider.hpp"
#include "crypto/pkcs11_key_provider.hpp"
#include "crypto/provider_url.hpp"
#include "vault/crypto/key_provider.hpp"

#include <cstdlib>

namespace vault::crypto {
namespace {

Result<std::unique_ptr<KeyProvider>> open_local(const detail::ProviderUrl& u, const KeyProviderDefaults& d) {
  std::filesystem::path keyring = u.path;
  if (keyring.empty()) {
    if (d.data_dir.empty())
      return fail(ErrorKind::Configuration, "local key provider needs a keyring path or a data directory");
    keyring = d.data_dir / "keys" / "keyring.sealed";
  }
  Result<SecureBytes> master = fail(ErrorKind::Configuration, "no master key");
  if (auto env = u.query.find("master_key_env"); env != u.query.end()) {
    master = detail::master_key_from_env(env->second);
  } else {
    auto f = u.query.find("master_key_file");
    const std::filesystem::path file =
        f != u.query.end() ? std::filesystem::path(f->second) : keyring.parent_path() / "master.key";
    master = detail::load_or_create_master_key(file);
  }
  if (!master) return fail(master.error());
  auto p = LocalKeyProvider::open(keyring, std::move(*master));
  if (!p) return fail(p.error());
  return std::unique_ptr<KeyProvider>(std::move(*p));
}

Result<std::unique_ptr<KeyProvider>> open_pkcs11(const detail::ProviderUrl& u) {
  Pkcs11Config c;
  c.module_path = u.path;
  if (auto t = u.query.find("token"); t != u.query.end()) c.token_label = t->second;
  if (auto p = u.query.find("pin"); p != u.query.end()) {
    c.pin = SecureBytes::copy_of(std::string_view(p->second));
  } else if (auto e = u.query.find("pin_env"); e != u.query.end()) {
    const char* v = std::getenv(e->second.c_str());
    if (!v) return fail(ErrorKind::Configuration, "environment variable " + e->second + " is not set");
    c.pin = SecureBytes::copy_of(std::string_view(v));
  }
  if (c.module_path.empty() || c.token_label.empty() || c.pin.empty())
    return fail(ErrorKind::Configuration, "pkcs11 key provider needs a module path, token= and pin= or pin_env=");
  auto p = Pkcs11KeyProvider::open(std::move(c));
  if (!p) return fail(p.error());
  return std::unique_ptr<KeyProvider>(std::move(*p));
}

}  // namespace

Result<std::unique_ptr<KeyProvider>> open_key_provider(std::string_view url, const KeyProviderDefaults& defaults) {
  auto u = detail::parse_provider_url(url.empty() ? "local" : url);
  if (!u) return fail(u.error());
  Result<std::unique_ptr<KeyProvider>> p = fail(ErrorKind::Configuration, "unknown key provider scheme");
  if (u->scheme == "local") p = open_local(*u, defaults);
  else if (u->scheme == "pkcs11") p = open_pkcs11(*u);
  else return fail(ErrorKind::Configuration, "unknown key provider '" + u->scheme + "' (expected local or pkcs11)");
  for (auto& [k, v] : u->query) wipe_string(v);  // may hold a PIN
  if (!p) return p;
  return detail::observed(std::move(*p));
}

}  // namespace vault::crypto
