#include "vault/crypto/secure_bytes.hpp"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <algorithm>
#include <climits>
#include <cstring>
#include <stdexcept>
#include <string>

namespace vault::crypto {

SecureBytes::SecureBytes(std::size_t n) {
  if (n == 0) return;
  data_ = new std::uint8_t[n]();
  size_ = n;
}

SecureBytes SecureBytes::copy_of(ByteView bytes) {
  SecureBytes out(bytes.size());
  if (!bytes.empty()) std::memcpy(out.data_, bytes.data(), bytes.size());
  return out;
}

SecureBytes SecureBytes::random(std::size_t n) {
  SecureBytes out(n);
  for (std::size_t off = 0; off < n;) {
    const int chunk = static_cast<int>(std::min<std::size_t>(n - off, INT_MAX));
    if (RAND_bytes(out.data_ + off, chunk) != 1) throw std::runtime_error("CSPRNG failure");
    off += static_cast<std::size_t>(chunk);
  }
  return out;
}

SecureBytes& SecureBytes::operator=(SecureBytes&& o) noexcept {
  if (this != &o) {
    wipe();
    data_ = o.data_;
    size_ = o.size_;
    o.data_ = nullptr;
    o.size_ = 0;
  }
  return *this;
}

void SecureBytes::wipe() noexcept {
  if (data_) {
    OPENSSL_cleanse(data_, size_);
    delete[] data_;
  }
  data_ = nullptr;
  size_ = 0;
}

bool operator==(const SecureBytes& a, const SecureBytes& b) {
  if (a.size_ != b.size_) return false;
  if (a.size_ == 0) return true;
  return CRYPTO_memcmp(a.data_, b.data_, a.size_) == 0;
}

void wipe_string(std::string& s) noexcept {
  if (!s.empty()) OPENSSL_cleanse(s.data(), s.size());
  s.clear();
}

}  // namespace vault::crypto
