#include "crypto/wrapped_key.hpp"
#include "vault/crypto/key_provider.hpp"

#include <algorithm>

namespace vault::crypto {

std::string kek_id_for(std::string_view tenant_id) { return "vault-kek/" + std::string(tenant_id); }

std::string serialize_wrapped_key(const WrappedKey& w) {
  std::string out;
  out.reserve(6 + w.kek_id.size() + w.bytes.size());
  out.push_back('\x01');
  out.push_back(static_cast<char>(std::min<std::size_t>(w.kek_id.size(), 255)));
  out.append(w.kek_id.substr(0, 255));
  for (int shift : {24, 16, 8, 0}) out.push_back(static_cast<char>(w.kek_version >> shift));
  out.append(w.bytes);
  return out;
}

Result<WrappedKey> parse_wrapped_key(std::string_view s) {
  if (s.size() < 6 || s[0] != '\x01') return fail(ErrorKind::DecryptionOperation, "malformed wrapped key");
  const std::size_t n = static_cast<unsigned char>(s[1]);
  if (s.size() < 2 + n + 4) return fail(ErrorKind::DecryptionOperation, "malformed wrapped key");
  WrappedKey w;
  w.kek_id.assign(s.substr(2, n));
  for (std::size_t i = 0; i < 4; ++i)
    w.kek_version = w.kek_version << 8 | static_cast<unsigned char>(s[2 + n + i]);
  w.bytes.assign(s.substr(2 + n + 4));
  return w;
}

Result<CiphertextHeader> detail::wrapped_key_header(std::string_view tenant_id, const WrappedKey& w) {
  if (w.kek_id != kek_id_for(tenant_id))
    return fail(ErrorKind::KeyRetrieval, "wrapped key belongs to another key-encryption key");
  auto h = parse_header(w.bytes);
  if (!h) return fail(h.error());
  if (h->key_id != w.kek_id || h->key_version != w.kek_version)
    return fail(ErrorKind::DecryptionOperation, "wrapped key header does not match its key reference");
  return h;
}

}  // namespace vault::crypto
