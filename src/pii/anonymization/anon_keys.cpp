// Per-tenant anonymizer keys from one master secret (HKDF-SHA256), HMAC.
#include "vault/pii/anonymization/anonymizer.hpp"

#include "anon_internal.hpp"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include <memory>

namespace vault::pii {
namespace detail {

std::string hmac_sha256(crypto::ByteView key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  static const unsigned char kEmpty = 0;
  const unsigned char* k = key.empty() ? &kEmpty : key.data();
  if (!HMAC(EVP_sha256(), k, static_cast<int>(key.size()),
            reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &len))
    return {};
  return std::string(reinterpret_cast<const char*>(out), len);
}

std::string to_hex(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s;
  s.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    s.push_back(kHex[c >> 4]);
    s.push_back(kHex[c & 15]);
  }
  return s;
}

}  // namespace detail

namespace {

struct KdfFree {
  void operator()(EVP_KDF* k) const { EVP_KDF_free(k); }
};
struct KdfCtxFree {
  void operator()(EVP_KDF_CTX* c) const { EVP_KDF_CTX_free(c); }
};

Result<crypto::SecureBytes> hkdf(crypto::ByteView master, std::string_view purpose, std::string_view tenant,
                                 std::size_t n) {
  std::unique_ptr<EVP_KDF, KdfFree> kdf(EVP_KDF_fetch(nullptr, "HKDF", nullptr));
  if (!kdf) return fail(ErrorKind::EncryptionOperation, "HKDF is unavailable");
  std::unique_ptr<EVP_KDF_CTX, KdfCtxFree> ctx(EVP_KDF_CTX_new(kdf.get()));
  if (!ctx) return fail(ErrorKind::EncryptionOperation, "HKDF context allocation failed");
  static constexpr char kSalt[] = "vault-anonymizer-v1";
  std::string info = std::string(purpose) + "|" + std::string(tenant);
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, const_cast<std::uint8_t*>(master.data()),
                                        master.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, const_cast<char*>(kSalt), sizeof(kSalt) - 1),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info.data(), info.size()),
      OSSL_PARAM_construct_end(),
  };
  crypto::SecureBytes out(n);
  if (EVP_KDF_derive(ctx.get(), out.data(), n, params) != 1)
    return fail(ErrorKind::EncryptionOperation, "HKDF derivation failed");
  return out;
}

}  // namespace

AnonymizerKeys AnonymizerKeys::clone() const {
  AnonymizerKeys k;
  k.hmac_key = hmac_key.clone();
  k.fpe_key = fpe_key.clone();
  k.aead_key = aead_key.clone();
  k.aead_key_id = aead_key_id;
  return k;
}

Result<AnonymizerKeys> derive_anonymizer_keys(crypto::ByteView master, std::string_view tenant_id) {
  if (master.size() < 16) return fail(ErrorKind::Validation, "anonymizer master key must be at least 16 bytes");
  AnonymizerKeys k;
  auto h = hkdf(master, "hmac", tenant_id, 32);
  if (!h) return fail(h.error());
  auto f = hkdf(master, "fpe", tenant_id, 32);
  if (!f) return fail(f.error());
  auto a = hkdf(master, "aead", tenant_id, 32);
  if (!a) return fail(a.error());
  auto id = hkdf(master, "key-id", tenant_id, 8);
  if (!id) return fail(id.error());
  k.hmac_key = std::move(*h);
  k.fpe_key = std::move(*f);
  k.aead_key = std::move(*a);
  k.aead_key_id = "ak-" + detail::to_hex(id->view());
  return k;
}

}  // namespace vault::pii
