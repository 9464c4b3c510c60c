#pragma once
/// SecureBytes: an owned byte buffer for key material.
///
/// - The bytes are wiped (OPENSSL_cleanse) when the buffer is destroyed,
///   cleared, assigned over or moved from; a moved-from buffer is empty.
/// - It cannot be copied by accident: copying is deleted, `clone()` is the
///   explicit way. The storage never reallocates behind the caller's back.
/// - Comparison is constant-time.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace vault::crypto {

/// A read-only view of bytes (keys, nonces); SecureBytes converts to it.
using ByteView = std::span<const std::uint8_t>;

/// Bytes of a string_view as a ByteView (no copy).
inline ByteView as_bytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

class SecureBytes {
 public:
  SecureBytes() = default;
  /// `n` zero bytes.
  explicit SecureBytes(std::size_t n);
  /// A copy of `bytes` (the caller remains responsible for wiping its source).
  static SecureBytes copy_of(ByteView bytes);
  static SecureBytes copy_of(std::string_view bytes) { return copy_of(as_bytes(bytes)); }
  /// `n` bytes from the OS CSPRNG (RAND_bytes). Throws std::runtime_error if
  /// the CSPRNG fails (it does not on a healthy system).
  static SecureBytes random(std::size_t n);

  ~SecureBytes() { wipe(); }
  SecureBytes(const SecureBytes&) = delete;
  SecureBytes& operator=(const SecureBytes&) = delete;
  SecureBytes(SecureBytes&& o) noexcept : data_(o.data_), size_(o.size_) {
    o.data_ = nullptr;
    o.size_ = 0;
  }
  SecureBytes& operator=(SecureBytes&& o) noexcept;

  /// An explicit deep copy.
  SecureBytes clone() const { return copy_of(span()); }
  /// Wipes and frees; the buffer becomes empty.
  void clear() { wipe(); }

  std::uint8_t* data() { return data_; }
  const std::uint8_t* data() const { return data_; }
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  std::span<std::uint8_t> span() { return {data_, size_}; }
  ByteView span() const { return {data_, size_}; }
  operator ByteView() const { return span(); }
  /// The bytes as a string_view (for APIs taking strings); valid while this lives.
  std::string_view view() const { return {reinterpret_cast<const char*>(data_), size_}; }

  /// Constant-time equality (size mismatch returns false immediately).
  friend bool operator==(const SecureBytes& a, const SecureBytes& b);

 private:
  void wipe() noexcept;
  std::uint8_t* data_ = nullptr;
  std::size_t size_ = 0;
};

/// Wipes a std::string's bytes in place (for transient copies of key
/// material that had to pass through a string) and clears it.
void wipe_string(std::string& s) noexcept;

}  // namespace vault::crypto
