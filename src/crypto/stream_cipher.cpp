// Chunked AES-256-GCM file format (see include/vault/crypto/stream_cipher.hpp
// and docs/file-encryption.md). OpenSSL 3 EVP directly: HKDF and HMAC via
// EVP_KDF / EVP_MAC, AES-256-GCM via EVP_CIPHER_CTX with the key set once
// per file and only the nonce changed per chunk.
#include "vault/crypto/stream_cipher.hpp"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <istream>
#include <memory>
#include <ostream>
#include <vector>

namespace vault::crypto::stream {
namespace {

constexpr char kMagic[8] = {'V', 'A', 'U', 'L', 'T', 'E', 'N', 'C'};
constexpr std::size_t kNonceSize = 12;
constexpr std::size_t kAadSize = 32 + 8 + 1;

using Bytes = std::vector<std::uint8_t>;

/// A byte buffer wiped when it goes away (chunk plaintext, derived keys).
struct SecureBuffer {
  explicit SecureBuffer(std::size_t n) : data(n) {}
  ~SecureBuffer() { OPENSSL_cleanse(data.data(), data.size()); }
  SecureBuffer(const SecureBuffer&) = delete;
  SecureBuffer& operator=(const SecureBuffer&) = delete;
  std::uint8_t* ptr() { return data.data(); }
  Bytes data;
};

void put_u32(std::uint8_t* p, std::uint32_t v) {
  for (int i = 3; i >= 0; --i, v >>= 8) p[i] = static_cast<std::uint8_t>(v);
}
void put_u64(std::uint8_t* p, std::uint64_t v) {
  for (int i = 7; i >= 0; --i, v >>= 8) p[i] = static_cast<std::uint8_t>(v);
}
std::uint32_t get_u32(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
}

std::unexpected<Error> io_error(const char* what) {
  return fail(ErrorKind::InternalServer, std::string(what));
}

/// Reads until `n` bytes or end of input; returns the count, or -1 on a read error.
std::int64_t read_full(std::istream& in, std::uint8_t* buf, std::size_t n) {
  std::size_t got = 0;
  while (got < n && in.good()) {
    in.read(reinterpret_cast<char*>(buf + got), static_cast<std::streamsize>(n - got));
    got += static_cast<std::size_t>(in.gcount());
  }
  if (in.bad()) return -1;
  return static_cast<std::int64_t>(got);
}

bool write_all(std::ostream& out, const std::uint8_t* buf, std::size_t n) {
  out.write(reinterpret_cast<const char*>(buf), static_cast<std::streamsize>(n));
  return out.good();
}

struct CipherCtxFree {
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxFree>;

/// HKDF-SHA256(ikm, salt, info) -> out.
bool hkdf_sha256(std::span<const std::uint8_t> ikm, std::span<const std::uint8_t> salt, std::string_view info,
                 std::uint8_t* out, std::size_t out_len) {
  EVP_KDF* kdf = EVP_KDF_fetch(nullptr, "HKDF", nullptr);
  if (!kdf) return false;
  EVP_KDF_CTX* kctx = EVP_KDF_CTX_new(kdf);
  EVP_KDF_free(kdf);
  if (!kctx) return false;
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, const_cast<std::uint8_t*>(ikm.data()),
                                        ikm.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, const_cast<std::uint8_t*>(salt.data()),
                                        salt.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, const_cast<char*>(info.data()), info.size()),
      OSSL_PARAM_construct_end()};
  bool ok = EVP_KDF_derive(kctx, out, out_len, params) == 1;
  EVP_KDF_CTX_free(kctx);
  return ok;
}

bool hmac_sha256(std::span<const std::uint8_t> key, std::span<const std::uint8_t> data, std::uint8_t* out) {
  EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  if (!mac) return false;
  EVP_MAC_CTX* mctx = EVP_MAC_CTX_new(mac);
  EVP_MAC_free(mac);
  if (!mctx) return false;
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                         OSSL_PARAM_construct_end()};
  std::size_t len = 0;
  bool ok = EVP_MAC_init(mctx, key.data(), key.size(), params) == 1 &&
            EVP_MAC_update(mctx, data.data(), data.size()) == 1 && EVP_MAC_final(mctx, out, &len, 32) == 1 &&
            len == 32;
  EVP_MAC_CTX_free(mctx);
  return ok;
}

bool sha256(std::span<const std::uint8_t> data, std::uint8_t* out) {
  unsigned int len = 0;
  return EVP_Digest(data.data(), data.size(), out, &len, EVP_sha256(), nullptr) == 1 && len == 32;
}

/// The per-file secrets derived from the master key and the file id.
struct FileKeys {
  SecureBuffer enc{32};
  SecureBuffer mac{32};
  std::array<std::uint8_t, 4> nonce_prefix{};
};

Result<std::unique_ptr<FileKeys>> derive_file_keys(std::span<const std::uint8_t> master,
                                                   std::span<const std::uint8_t> file_id,
                                                   ErrorKind on_error) {
  auto k = std::make_unique<FileKeys>();
  if (!hkdf_sha256(master, file_id, "vault-file-v1 aead", k->enc.ptr(), 32) ||
      !hkdf_sha256(master, file_id, "vault-file-v1 header-mac", k->mac.ptr(), 32) ||
      !hkdf_sha256(master, file_id, "vault-file-v1 nonce", k->nonce_prefix.data(), 4))
    return fail(on_error, "HKDF-SHA256 key derivation failed");
  return k;
}

/// The master key for a file: the raw key, the transit data key (resolved
/// from the header when decrypting), or Argon2id of the passphrase.
Result<std::unique_ptr<SecureBuffer>> master_key(const KeyMaterial& key, const HeaderInfo& h) {
  auto m = std::make_unique<SecureBuffer>(32);
  if (h.kdf == KdfId::TransitKey && key.resolver()) {
    auto k = key.resolver()(h);
    if (!k) return std::unexpected(std::move(k.error()));
    std::copy(k->bytes().begin(), k->bytes().end(), m->ptr());
    return m;
  }
  if (h.kdf == KdfId::RawKey || h.kdf == KdfId::TransitKey) {
    std::copy(key.key().bytes().begin(), key.key().bytes().end(), m->ptr());
    return m;
  }
  auto k = derive_passphrase_key(key.passphrase(), h.salt, h.argon2);
  if (!k) return std::unexpected(std::move(k.error()));
  std::copy(k->begin(), k->end(), m->ptr());
  OPENSSL_cleanse(k->data(), k->size());
  return m;
}

constexpr std::size_t kTransitFixed = 80;  ///< version 2: bytes before the key name

void put_u16(std::uint8_t* p, std::size_t v) {
  p[0] = static_cast<std::uint8_t>(v >> 8);
  p[1] = static_cast<std::uint8_t>(v);
}
std::size_t get_u16(const std::uint8_t* p) { return (std::size_t{p[0]} << 8) | p[1]; }

/// The header bytes with a zero MAC (version 1: kHeaderSize; 2: 112+N+W).
Bytes serialize_header_fields(const HeaderInfo& h) {
  const bool transit = h.version == kFormatVersionTransit;
  Bytes out(transit ? kTransitFixed + h.key_name.size() + h.wrapped_key.size() + 32 : kHeaderSize, 0);
  std::uint8_t* p = out.data();
  std::memcpy(p, kMagic, 8);
  p[8] = h.version;
  p[9] = static_cast<std::uint8_t>(h.kdf);
  put_u32(p + 12, h.chunk_size);
  put_u32(p + 16, h.argon2.t_cost);
  put_u32(p + 20, h.argon2.m_cost_kib);
  put_u32(p + 24, h.argon2.parallelism);
  std::memcpy(p + 28, h.salt.data(), h.salt.size());
  std::memcpy(p + 44, h.file_id.data(), h.file_id.size());
  if (transit) {
    put_u16(p + 76, h.key_name.size());
    put_u16(p + 78, h.wrapped_key.size());
    std::memcpy(p + kTransitFixed, h.key_name.data(), h.key_name.size());
    std::memcpy(p + kTransitFixed + h.key_name.size(), h.wrapped_key.data(), h.wrapped_key.size());
  }
  return out;
}

void make_nonce(const FileKeys& k, std::uint64_t index, std::uint8_t* nonce) {
  std::memcpy(nonce, k.nonce_prefix.data(), 4);
  put_u64(nonce + 4, index);
}

void make_aad(const std::uint8_t* header_hash, std::uint64_t index, bool final_chunk, std::uint8_t* aad) {
  std::memcpy(aad, header_hash, 32);
  put_u64(aad + 32, index);
  aad[40] = final_chunk ? 1 : 0;
}

Status check_chunk_size(std::uint32_t c) {
  if (c < kMinChunkSize || c > kMaxChunkSize)
    return fail(ErrorKind::Validation, "chunk size must be between 4 KiB and 16 MiB",
                {{"chunk_size", c}, {"min", kMinChunkSize}, {"max", kMaxChunkSize}});
  return {};
}

}  // namespace

// ---- keys --------------------------------------------------------------

FileKey::~FileKey() {
  OPENSSL_cleanse(bytes_.data(), bytes_.size());
}

FileKey FileKey::random() {
  std::array<std::uint8_t, kKeySize> b{};
  if (RAND_bytes(b.data(), static_cast<int>(b.size())) != 1)
    throw VaultException(Error(ErrorKind::InternalServer, "the random number generator failed"));
  FileKey k(b);
  OPENSSL_cleanse(b.data(), b.size());
  return k;
}

KeyMaterial KeyMaterial::from_key(FileKey key) {
  return KeyMaterial(KdfId::RawKey, std::move(key), {}, {});
}

KeyMaterial KeyMaterial::from_passphrase(std::string passphrase, Argon2idParams params) {
  return KeyMaterial(KdfId::Argon2id, FileKey(std::array<std::uint8_t, kKeySize>{}), std::move(passphrase),
                     params);
}

KeyMaterial KeyMaterial::from_transit(FileKey data_key, std::string key_name, std::string wrapped_key) {
  KeyMaterial m(KdfId::TransitKey, std::move(data_key), {}, {});
  m.key_name_ = std::move(key_name);
  m.wrapped_key_ = std::move(wrapped_key);
  return m;
}

KeyMaterial KeyMaterial::from_resolver(KeyResolver resolve) {
  KeyMaterial m(KdfId::TransitKey, FileKey(std::array<std::uint8_t, kKeySize>{}), {}, {});
  m.resolver_ = std::move(resolve);
  return m;
}

KeyMaterial::~KeyMaterial() {
  if (!passphrase_.empty()) OPENSSL_cleanse(passphrase_.data(), passphrase_.size());
}

// ---- header ------------------------------------------------------------

Result<std::size_t> header_size_of(std::span<const std::uint8_t> p) {
  if (p.size() < 9 || std::memcmp(p.data(), kMagic, 8) != 0)
    return fail(ErrorKind::Validation, "not a vault-encrypted file (no VAULTENC header)");
  if (p[8] == kFormatVersion) return kHeaderSize;
  if (p[8] != kFormatVersionTransit)
    return fail(ErrorKind::Validation, "unsupported vault-encrypted file format version",
                {{"version", p[8]}, {"supported", "1, 2"}});
  if (p.size() < kTransitFixed) return fail(ErrorKind::Validation, "the vault-encrypted file header is incomplete");
  const std::size_t n = get_u16(p.data() + 76);
  const std::size_t w = get_u16(p.data() + 78);
  if (n < 1 || n > kMaxKeyNameSize || w < 1 || w > kMaxWrappedKeySize)
    return fail(ErrorKind::Validation, "key name or wrapped key length out of range in the header");
  return kTransitFixed + n + w + 32;
}

Result<HeaderInfo> parse_header(std::span<const std::uint8_t> p) {
  auto size = header_size_of(p);
  if (!size) return std::unexpected(std::move(size.error()));
  if (p.size() < *size) return fail(ErrorKind::Validation, "the vault-encrypted file header is incomplete");
  const std::uint8_t max_kdf = p[8] == kFormatVersionTransit ? 2 : 1;
  if (p[9] > max_kdf || (p[8] == kFormatVersionTransit && p[9] != 2))
    return fail(ErrorKind::Validation, "unknown key derivation id in the header", {{"kdf", p[9]}});
  if (p[10] != 0 || p[11] != 0) return fail(ErrorKind::Validation, "reserved header bytes are not zero");
  HeaderInfo h;
  h.version = p[8];
  h.header_size = *size;
  h.kdf = static_cast<KdfId>(p[9]);
  h.chunk_size = get_u32(p.data() + 12);
  if (auto s = check_chunk_size(h.chunk_size); !s) return std::unexpected(s.error());
  h.argon2 = {get_u32(p.data() + 16), get_u32(p.data() + 20), get_u32(p.data() + 24)};
  std::memcpy(h.salt.data(), p.data() + 28, h.salt.size());
  std::memcpy(h.file_id.data(), p.data() + 44, h.file_id.size());
  if (h.kdf == KdfId::TransitKey) {
    const std::size_t n = get_u16(p.data() + 76);
    h.key_name.assign(reinterpret_cast<const char*>(p.data()) + kTransitFixed, n);
    h.wrapped_key.assign(reinterpret_cast<const char*>(p.data()) + kTransitFixed + n, get_u16(p.data() + 78));
  }
  if (h.kdf == KdfId::RawKey || h.kdf == KdfId::TransitKey) {
    bool zero = h.argon2 == Argon2idParams{0, 0, 0} &&
                std::all_of(h.salt.begin(), h.salt.end(), [](std::uint8_t b) { return b == 0; });
    if (!zero) return fail(ErrorKind::Validation, "key-file header has non-zero passphrase parameters");
  } else if (auto s = validate_argon2id_params(h.argon2); !s) {
    return std::unexpected(s.error());
  }
  return h;
}

// ---- encrypt -----------------------------------------------------------

Result<StreamStats> encrypt_stream(std::istream& in, std::ostream& out, const KeyMaterial& key,
                                   const EncryptOptions& options) {
  if (auto s = check_chunk_size(options.chunk_size); !s) return std::unexpected(s.error());
  HeaderInfo h;
  h.kdf = key.kdf();
  h.chunk_size = options.chunk_size;
  if (h.kdf == KdfId::TransitKey) {
    if (key.resolver()) return fail(ErrorKind::Validation, "a key resolver only decrypts");
    if (key.key_name().empty() || key.key_name().size() > kMaxKeyNameSize || key.wrapped_key().empty() ||
        key.wrapped_key().size() > kMaxWrappedKeySize)
      return fail(ErrorKind::Validation, "the transit key name or wrapped key is empty or too long");
    h.version = kFormatVersionTransit;
    h.key_name = key.key_name();
    h.wrapped_key = key.wrapped_key();
  }
  if (h.kdf == KdfId::Argon2id) {
    if (auto s = validate_argon2id_params(key.params()); !s) return std::unexpected(s.error());
    if (key.passphrase().empty()) return fail(ErrorKind::Validation, "the passphrase is empty");
    h.argon2 = key.params();
    if (RAND_bytes(h.salt.data(), static_cast<int>(h.salt.size())) != 1)
      return fail(ErrorKind::EncryptionOperation, "the random number generator failed");
  } else {
    h.argon2 = {0, 0, 0};
  }
  if (RAND_bytes(h.file_id.data(), static_cast<int>(h.file_id.size())) != 1)
    return fail(ErrorKind::EncryptionOperation, "the random number generator failed");

  auto master = master_key(key, h);
  if (!master) return std::unexpected(std::move(master.error()));
  auto keys = derive_file_keys((*master)->data, h.file_id, ErrorKind::EncryptionOperation);
  if (!keys) return std::unexpected(std::move(keys.error()));
  master->reset();

  Bytes header = serialize_header_fields(h);
  const std::size_t mac_offset = header.size() - 32;
  std::array<std::uint8_t, 32> header_hash{};
  if (!hmac_sha256((*keys)->mac.data, std::span(header.data(), mac_offset), header.data() + mac_offset) ||
      !sha256(header, header_hash.data()))
    return fail(ErrorKind::EncryptionOperation, "header MAC computation failed");
  if (!write_all(out, header.data(), header.size())) return io_error("cannot write the output");

  CipherCtx ctx(EVP_CIPHER_CTX_new());
  if (!ctx || EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, (*keys)->enc.ptr(), nullptr) != 1)
    return fail(ErrorKind::EncryptionOperation, "AES-256-GCM initialisation failed");

  const std::size_t c = options.chunk_size;
  SecureBuffer plain(c);
  Bytes record(4 + c + kTagSize);
  StreamStats stats;
  std::uint64_t consumed = 0;
  for (std::uint64_t index = 0;; ++index) {
    auto n = read_full(in, plain.ptr(), c);
    if (n < 0) return io_error("cannot read the input");
    const auto len = static_cast<std::size_t>(n);
    const bool final_chunk = len < c;
    std::uint8_t nonce[kNonceSize];
    std::uint8_t aad[kAadSize];
    make_nonce(**keys, index, nonce);
    make_aad(header_hash.data(), index, final_chunk, aad);
    put_u32(record.data(), static_cast<std::uint32_t>(len));
    int outl = 0;
    int total = 0;
    bool ok = EVP_EncryptInit_ex(ctx.get(), nullptr, nullptr, nullptr, nonce) == 1 &&
              EVP_EncryptUpdate(ctx.get(), nullptr, &outl, aad, static_cast<int>(kAadSize)) == 1;
    if (ok && len > 0) {
      ok = EVP_EncryptUpdate(ctx.get(), record.data() + 4, &outl, plain.ptr(), static_cast<int>(len)) == 1;
      total = outl;
    }
    ok = ok && EVP_EncryptFinal_ex(ctx.get(), record.data() + 4 + total, &outl) == 1;
    total += outl;
    ok = ok && static_cast<std::size_t>(total) == len &&
         EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, static_cast<int>(kTagSize),
                             record.data() + 4 + len) == 1;
    if (!ok) return fail(ErrorKind::EncryptionOperation, "AES-256-GCM encryption failed", {{"chunk", index}});
    if (!write_all(out, record.data(), 4 + len + kTagSize)) return io_error("cannot write the output");
    stats.plaintext_bytes += len;
    ++stats.chunks;
    consumed += len;
    if (options.on_progress) options.on_progress(consumed);
    if (final_chunk) break;
  }
  if (!out.flush()) return io_error("cannot write the output");
  return stats;
}

// ---- decrypt -----------------------------------------------------------

Result<StreamStats> decrypt_stream(std::istream& in, std::ostream& out, const KeyMaterial& key,
                                   const DecryptOptions& options) {
  Bytes header(kHeaderSize);
  auto hn = read_full(in, header.data(), header.size());
  if (hn < 0) return io_error("cannot read the input");
  auto truncated_or_foreign = [&](std::int64_t got) {
    if (got >= 8 && std::memcmp(header.data(), kMagic, 8) == 0)
      return fail(ErrorKind::DecryptionOperation, "the encrypted file is truncated (inside its header)");
    return fail(ErrorKind::Validation, "not a vault-encrypted file (too short)");
  };
  if (static_cast<std::size_t>(hn) < kHeaderSize) return truncated_or_foreign(hn);
  auto full_size = header_size_of(header);
  if (!full_size) return std::unexpected(std::move(full_size.error()));
  if (*full_size > kHeaderSize) {
    header.resize(*full_size);
    auto more = read_full(in, header.data() + kHeaderSize, *full_size - kHeaderSize);
    if (more < 0) return io_error("cannot read the input");
    if (static_cast<std::size_t>(more) < *full_size - kHeaderSize) return truncated_or_foreign(hn);
  }
  auto h = parse_header(header);
  if (!h) return std::unexpected(std::move(h.error()));
  if (h->kdf != key.kdf()) {
    auto source = [](KdfId k) {
      return k == KdfId::Argon2id ? "a passphrase" : k == KdfId::RawKey ? "a key file" : "a server transit key";
    };
    return fail(ErrorKind::Validation, std::string("this file was encrypted with ") + source(h->kdf) + ", not " +
                                           source(key.kdf()));
  }
  const std::size_t mac_offset = header.size() - 32;

  auto master = master_key(key, *h);
  if (!master) return std::unexpected(std::move(master.error()));
  auto keys = derive_file_keys((*master)->data, h->file_id, ErrorKind::DecryptionOperation);
  if (!keys) return std::unexpected(std::move(keys.error()));
  master->reset();

  std::array<std::uint8_t, 32> mac{};
  std::array<std::uint8_t, 32> header_hash{};
  if (!hmac_sha256((*keys)->mac.data, std::span(header.data(), mac_offset), mac.data()) ||
      !sha256(header, header_hash.data()))
    return fail(ErrorKind::DecryptionOperation, "header MAC computation failed");
  if (CRYPTO_memcmp(mac.data(), header.data() + mac_offset, mac.size()) != 0)
    return fail(ErrorKind::DecryptionOperation,
                "header authentication failed: wrong key or passphrase, or the header was modified");

  CipherCtx ctx(EVP_CIPHER_CTX_new());
  if (!ctx || EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, (*keys)->enc.ptr(), nullptr) != 1)
    return fail(ErrorKind::DecryptionOperation, "AES-256-GCM initialisation failed");

  const std::size_t c = h->chunk_size;
  Bytes record(c + kTagSize);
  SecureBuffer plain(c);
  StreamStats stats;
  std::uint64_t consumed = header.size();
  for (std::uint64_t index = 0;; ++index) {
    std::uint8_t lenbuf[4];
    auto n = read_full(in, lenbuf, 4);
    if (n < 0) return io_error("cannot read the input");
    if (n == 0)
      return fail(ErrorKind::DecryptionOperation,
                  "the encrypted file is truncated: it ends before its final chunk", {{"chunk", index}});
    if (n < 4)
      return fail(ErrorKind::DecryptionOperation, "the encrypted file is truncated inside a chunk",
                  {{"chunk", index}});
    const std::size_t len = get_u32(lenbuf);
    if (len > c)
      return fail(ErrorKind::DecryptionOperation,
                  "chunk length field is corrupt (larger than the chunk size)", {{"chunk", index}});
    const bool final_chunk = len < c;
    n = read_full(in, record.data(), len + kTagSize);
    if (n < 0) return io_error("cannot read the input");
    if (static_cast<std::size_t>(n) < len + kTagSize)
      return fail(ErrorKind::DecryptionOperation, "the encrypted file is truncated inside a chunk",
                  {{"chunk", index}});
    std::uint8_t nonce[kNonceSize];
    std::uint8_t aad[kAadSize];
    make_nonce(**keys, index, nonce);
    make_aad(header_hash.data(), index, final_chunk, aad);
    int outl = 0;
    int total = 0;
    bool ok = EVP_DecryptInit_ex(ctx.get(), nullptr, nullptr, nullptr, nonce) == 1 &&
              EVP_DecryptUpdate(ctx.get(), nullptr, &outl, aad, static_cast<int>(kAadSize)) == 1;
    if (ok && len > 0) {
      ok = EVP_DecryptUpdate(ctx.get(), plain.ptr(), &outl, record.data(), static_cast<int>(len)) == 1;
      total = outl;
    }
    ok = ok && EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(kTagSize),
                                   record.data() + len) == 1;
    // The tag is checked here; the buffer's plaintext is released only if it matches.
    ok = ok && EVP_DecryptFinal_ex(ctx.get(), plain.ptr() + total, &outl) == 1;
    if (!ok) {
      OPENSSL_cleanse(plain.ptr(), len);
      return fail(ErrorKind::DecryptionOperation,
                  "chunk failed authentication: the file was modified, truncated or reordered",
                  {{"chunk", index}});
    }
    if (len > 0 && !write_all(out, plain.ptr(), len)) return io_error("cannot write the output");
    stats.plaintext_bytes += len;
    ++stats.chunks;
    consumed += 4 + len + kTagSize;
    if (options.on_progress) options.on_progress(consumed);
    if (final_chunk) break;
  }
  // Nothing may follow the final chunk.
  char extra = 0;
  in.read(&extra, 1);
  if (in.bad()) return io_error("cannot read the input");
  if (in.gcount() != 0)
    return fail(ErrorKind::DecryptionOperation,
                "unexpected data after the final chunk of the encrypted file");
  if (!out.flush()) return io_error("cannot write the output");
  return stats;
}

// ---- key files ---------------------------------------------------------

namespace {

int hex_value(char ch) {
  if (ch >= '0' && ch <= '9') return ch - '0';
  if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
  if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
  return -1;
}

int b64_value(char ch) {
  if (ch >= 'A' && ch <= 'Z') return ch - 'A';
  if (ch >= 'a' && ch <= 'z') return ch - 'a' + 26;
  if (ch >= '0' && ch <= '9') return ch - '0' + 52;
  if (ch == '+') return 62;
  if (ch == '/') return 63;
  return -1;
}

}  // namespace

Result<FileKey> parse_key_file(std::string_view contents) {
  std::array<std::uint8_t, kKeySize> b{};
  auto done = [&]() {
    FileKey k(b);
    OPENSSL_cleanse(b.data(), b.size());
    return k;
  };
  if (contents.size() == kKeySize) {
    std::memcpy(b.data(), contents.data(), kKeySize);
    return done();
  }
  auto is_space = [](char ch) { return std::isspace(static_cast<unsigned char>(ch)) != 0; };
  while (!contents.empty() && is_space(contents.front())) contents.remove_prefix(1);
  while (!contents.empty() && is_space(contents.back())) contents.remove_suffix(1);
  if (contents.size() == 2 * kKeySize) {
    bool ok = true;
    for (std::size_t i = 0; i < kKeySize && ok; ++i) {
      int hi = hex_value(contents[2 * i]);
      int lo = hex_value(contents[2 * i + 1]);
      ok = hi >= 0 && lo >= 0;
      b[i] = static_cast<std::uint8_t>((hi << 4) | lo);
    }
    if (ok) return done();
  }
  // Base64 of 32 bytes: 43 symbols + one '='.
  if (contents.size() == 44 && contents[43] == '=') {
    std::uint32_t acc = 0;
    int bits = 0;
    std::size_t out = 0;
    bool ok = true;
    for (std::size_t i = 0; i < 43 && ok; ++i) {
      int v = b64_value(contents[i]);
      if (v < 0) {
        ok = false;
        break;
      }
      acc = (acc << 6) | static_cast<std::uint32_t>(v);
      bits += 6;
      if (bits >= 8) {
        bits -= 8;
        if (out < kKeySize) b[out++] = static_cast<std::uint8_t>(acc >> bits);
        acc &= (1u << bits) - 1;
      }
    }
    // 43 * 6 = 258 bits = 32 bytes + 2 leftover bits that must be zero.
    if (ok && out == kKeySize && acc == 0) return done();
  }
  OPENSSL_cleanse(b.data(), b.size());
  return fail(ErrorKind::Validation,
              "the key file must hold 32 raw bytes, 64 hex digits or the base64 of 32 bytes");
}

std::string format_key_file(const FileKey& key) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string s;
  s.reserve(2 * kKeySize + 1);
  for (std::uint8_t byte : key.bytes()) {
    s += digits[byte >> 4];
    s += digits[byte & 0xF];
  }
  s += '\n';
  return s;
}

}  // namespace vault::crypto::stream
