#include "vault/crypto/aead.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <pthread.h>

#include <algorithm>
#include <atomic>
#include <climits>
#include <cstring>
#include <memory>

namespace vault::crypto {
namespace {

constexpr std::size_t kMaxChunk = std::size_t{1} << 30;  // EVP lengths are int

const EVP_CIPHER* gcm_cipher() {
  static EVP_CIPHER* const cipher = EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr);
  return cipher;
}

struct CtxDeleter {
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};

/// The calling thread's context, bound to AES-256-GCM once; nullptr on failure.
EVP_CIPHER_CTX* thread_ctx() {
  thread_local std::unique_ptr<EVP_CIPHER_CTX, CtxDeleter> ctx;
  if (!ctx) {
    const EVP_CIPHER* cipher = gcm_cipher();
    if (!cipher) return nullptr;
    std::unique_ptr<EVP_CIPHER_CTX, CtxDeleter> c(EVP_CIPHER_CTX_new());
    if (!c || EVP_CipherInit_ex2(c.get(), cipher, nullptr, nullptr, 1, nullptr) != 1) return nullptr;
    ctx = std::move(c);
  }
  return ctx.get();
}

/// Nonces: 96 bits straight from RAND_bytes, drawn in batches of 64 per
/// thread (one RAND_bytes call costs ~0.7 us; a nonce is public, so buffering
/// CSPRNG output is harmless). A fork() child discards the parent's batch,
/// so parent and child never share a nonce.
std::atomic<unsigned> g_fork_generation{0};
void on_fork_child() { g_fork_generation.fetch_add(1, std::memory_order_relaxed); }

bool next_nonce(unsigned char* out) {
  static const bool registered = (::pthread_atfork(nullptr, nullptr, on_fork_child), true);
  (void)registered;
  struct Pool {
    unsigned char buf[kNonceSize * 64];
    std::size_t pos = sizeof buf;
    unsigned generation = 0;
  };
  thread_local Pool pool;
  const unsigned gen = g_fork_generation.load(std::memory_order_relaxed);
  if (pool.pos == sizeof pool.buf || pool.generation != gen) {
    if (RAND_bytes(pool.buf, sizeof pool.buf) != 1) return false;
    pool.pos = 0;
    pool.generation = gen;
  }
  std::memcpy(out, pool.buf + pool.pos, kNonceSize);
  OPENSSL_cleanse(pool.buf + pool.pos, kNonceSize);  // each nonce is handed out once
  pool.pos += kNonceSize;
  return true;
}

void put_u32(char* p, std::uint32_t v) {
  p[0] = static_cast<char>(v >> 24);
  p[1] = static_cast<char>(v >> 16);
  p[2] = static_cast<char>(v >> 8);
  p[3] = static_cast<char>(v);
}
std::uint32_t get_u32(const char* p) {
  auto b = [&](int i) { return static_cast<std::uint32_t>(static_cast<unsigned char>(p[i])); };
  return b(0) << 24 | b(1) << 16 | b(2) << 8 | b(3);
}

bool update_aad(EVP_CIPHER_CTX* ctx, std::string_view aad) {
  for (std::size_t off = 0; off < aad.size();) {
    const std::size_t n = std::min(aad.size() - off, kMaxChunk);
    int outl = 0;
    if (EVP_CipherUpdate(ctx, nullptr, &outl, reinterpret_cast<const unsigned char*>(aad.data() + off),
                         static_cast<int>(n)) != 1)
      return false;
    off += n;
  }
  return true;
}

bool update_data(EVP_CIPHER_CTX* ctx, unsigned char* out, const unsigned char* in, std::size_t len) {
  for (std::size_t off = 0; off < len;) {
    const std::size_t n = std::min(len - off, kMaxChunk);
    int outl = 0;
    if (EVP_CipherUpdate(ctx, out + off, &outl, in + off, static_cast<int>(n)) != 1 ||
        static_cast<std::size_t>(outl) != n)
      return false;
    off += n;
  }
  return true;
}

auto decrypt_error() { return fail(ErrorKind::DecryptionOperation, "decryption failed: ciphertext is invalid or was not sealed with this key and context"); }

/// Decrypts into `out` (already sized to the ciphertext length). False on any failure.
bool open_into(ByteView key, std::string_view aad, std::string_view sealed, const CiphertextHeader& h,
               unsigned char* out) {
  if (key.size() != kKeySize) return false;
  EVP_CIPHER_CTX* ctx = thread_ctx();
  if (!ctx) return false;
  const auto* base = reinterpret_cast<const unsigned char*>(sealed.data());
  const unsigned char* nonce = base + h.header_size;
  const unsigned char* ct = nonce + kNonceSize;
  const std::size_t ct_len = sealed.size() - h.header_size - kNonceSize - kTagSize;
  const unsigned char* tag = ct + ct_len;
  if (EVP_CipherInit_ex2(ctx, nullptr, key.data(), nonce, 0, nullptr) != 1) return false;
  if (!update_aad(ctx, sealed.substr(0, h.header_size)) || !update_aad(ctx, aad)) return false;
  if (ct_len > 0 && !update_data(ctx, out, ct, ct_len)) return false;
  if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, static_cast<int>(kTagSize),
                          const_cast<unsigned char*>(tag)) != 1)
    return false;
  int outl = 0;
  unsigned char dummy[16];
  return EVP_CipherFinal_ex(ctx, ct_len > 0 ? out + ct_len : dummy, &outl) == 1;
}

}  // namespace

Result<std::string> encode_header(std::string_view key_id, std::uint32_t key_version) {
  if (key_id.empty() || key_id.size() > 255)
    return fail(ErrorKind::EncryptionOperation, "key id must be 1..255 bytes");
  std::string h(2 + key_id.size() + 4, '\0');
  h[0] = static_cast<char>(kFormatV1);
  h[1] = static_cast<char>(key_id.size());
  std::memcpy(h.data() + 2, key_id.data(), key_id.size());
  put_u32(h.data() + 2 + key_id.size(), key_version);
  return h;
}

Result<CiphertextHeader> parse_header(std::string_view sealed) {
  if (sealed.size() < 2 || static_cast<std::uint8_t>(sealed[0]) != kFormatV1)
    return fail(ErrorKind::DecryptionOperation, "unknown ciphertext format");
  const std::size_t id_len = static_cast<unsigned char>(sealed[1]);
  if (id_len == 0 || sealed.size() < sealed_size(id_len, 0))
    return fail(ErrorKind::DecryptionOperation, "ciphertext is truncated");
  CiphertextHeader h;
  h.format = kFormatV1;
  h.key_id.assign(sealed.substr(2, id_len));
  h.key_version = get_u32(sealed.data() + 2 + id_len);
  h.header_size = 2 + id_len + 4;
  return h;
}

Result<std::string> seal(ByteView key, std::string_view key_id, std::uint32_t key_version,
                         std::string_view aad, std::string_view plaintext) {
  if (key.size() != kKeySize) return fail(ErrorKind::EncryptionOperation, "encryption key has the wrong size");
  if (key_id.empty() || key_id.size() > 255)
    return fail(ErrorKind::EncryptionOperation, "key id must be 1..255 bytes");
  const std::size_t header_size = 2 + key_id.size() + 4;
  bool ok = false;
  std::string out;
  // resize_and_overwrite: no zero-fill of a buffer we overwrite entirely.
  // reserve() first: libstdc++ 12 sets a wrong length when it grows a
  // short string past the SSO buffer inside resize_and_overwrite.
  out.reserve(sealed_size(key_id.size(), plaintext.size()));
  out.resize_and_overwrite(sealed_size(key_id.size(), plaintext.size()), [&](char* p, std::size_t n) {
    p[0] = static_cast<char>(kFormatV1);
    p[1] = static_cast<char>(key_id.size());
    std::memcpy(p + 2, key_id.data(), key_id.size());
    put_u32(p + 2 + key_id.size(), key_version);
    auto* nonce = reinterpret_cast<unsigned char*>(p + header_size);
    unsigned char* ct = nonce + kNonceSize;
    unsigned char* tag = ct + plaintext.size();
    EVP_CIPHER_CTX* ctx = thread_ctx();
    int outl = 0;
    ok = ctx && next_nonce(nonce) &&
         EVP_CipherInit_ex2(ctx, nullptr, key.data(), nonce, 1, nullptr) == 1 &&
         update_aad(ctx, std::string_view(p, header_size)) && update_aad(ctx, aad) &&
         update_data(ctx, ct, reinterpret_cast<const unsigned char*>(plaintext.data()), plaintext.size()) &&
         EVP_CipherFinal_ex(ctx, tag, &outl) == 1 && outl == 0 &&
         EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, static_cast<int>(kTagSize), tag) == 1;
    if (!ok) OPENSSL_cleanse(p, n);
    return n;
  });
  if (!ok) return fail(ErrorKind::EncryptionOperation, "encryption failed");
  return out;
}

Result<std::string> open(ByteView key, std::string_view aad, std::string_view sealed) {
  auto h = parse_header(sealed);
  if (!h) return fail(h.error());
  bool ok = false;
  std::string out;
  out.reserve(sealed.size() - h->header_size - kNonceSize - kTagSize);  // see seal()
  out.resize_and_overwrite(sealed.size() - h->header_size - kNonceSize - kTagSize, [&](char* p, std::size_t n) {
    ok = open_into(key, aad, sealed, *h, reinterpret_cast<unsigned char*>(p));
    if (!ok) OPENSSL_cleanse(p, n);  // never hand out unauthenticated bytes
    return ok ? n : 0;
  });
  if (!ok) return decrypt_error();
  return out;
}

Result<SecureBytes> open_secure(ByteView key, std::string_view aad, std::string_view sealed) {
  auto h = parse_header(sealed);
  if (!h) return fail(h.error());
  SecureBytes out(sealed.size() - h->header_size - kNonceSize - kTagSize);
  if (!open_into(key, aad, sealed, *h, out.data())) return decrypt_error();
  return out;
}

}  // namespace vault::crypto
