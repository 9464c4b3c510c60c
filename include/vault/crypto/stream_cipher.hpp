#pragma once
/// Streaming file encryption (`vault encrypt` / `vault decrypt`): a chunked
/// AES-256-GCM format that encrypts input of any size in constant memory and
/// detects truncation, extension, reordering, duplication and any bit flip.
/// The full description with rationale is docs/file-encryption.md.
///
/// Format version 1 (all integers big-endian):
///
///   header (108 bytes)
///     0  magic "VAULTENC"                     8
///     8  format version = 1                   u8
///     9  kdf: 0 = raw 32-byte key file,       u8
///             1 = Argon2id passphrase
///    10  reserved = 0                         u16
///    12  chunk size C (4 KiB .. 16 MiB)       u32
///    16  argon2 t (passes)                    u32   \  all zero
///    20  argon2 m (KiB)                       u32    | when kdf = 0
///    24  argon2 p (lanes)                     u32    |
///    28  argon2 salt                          16    /
///    44  file id (random)                     32
///    76  header MAC = HMAC-SHA256(K_mac, bytes 0..75)   32
///   then chunk records i = 0, 1, 2, ...
///     plaintext length L                      u32   (L == C: not final; L < C: final)
///     AES-256-GCM ciphertext                  L
///     GCM tag                                 16
///
/// Keys: master key M = the key file's 32 bytes, or Argon2id(passphrase,
/// salt, t, m, p) with 32 bytes of output. Per file, with HKDF-SHA256
/// (IKM = M, salt = file id): K_enc (info "vault-file-v1 aead", 32 bytes),
/// K_mac (info "vault-file-v1 header-mac", 32 bytes) and a nonce prefix
/// (info "vault-file-v1 nonce", 4 bytes). The random file id makes K_enc
/// unique per file, so nonces never repeat across files.
///
/// Chunk i: nonce = prefix || u64 i (12 bytes, unique within the file);
/// AAD = SHA-256(header, 108 bytes) || u64 i || u8 final (41 bytes).
/// Every chunk is full (L = C) except the last, which has the final flag and
/// L < C; it is empty when the plaintext is empty or a multiple of C.
///
/// Format version 2 (`vault encrypt --key NAME`, kdf 2 = transit data key):
/// the same layout up to the file id (Argon2id fields zero), then
///    76  key name length N (1..128)           u16
///    78  wrapped key length W (1..1024)       u16
///    80  key name (the server's transit key)  N
///  80+N  wrapped data key ("vault:vK:...")    W
/// 80+N+W header MAC = HMAC-SHA256(K_mac, bytes 0..80+N+W-1)   32
/// so the header is 112+N+W bytes; chunks, AAD (SHA-256 of the whole header)
/// and key derivation are those of version 1, with M = the 32-byte data key
/// the server returned for the wrapped key. Version 1 files stay readable.
///
/// Decryption checks the header MAC first (a wrong key or passphrase fails
/// before any output), then each chunk before releasing its plaintext. A
/// stream that ends without a final chunk, a chunk that fails
/// authentication (bit flip, moved or repeated chunk, other file) or bytes
/// after the final chunk are errors. The output stream has then received the
/// plaintext of the chunks before the failing one, each individually
/// authenticated; callers writing a file must write to a temporary file and
/// rename it into place only on success (the CLI does).
#include <array>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <span>
#include <string>
#include <string_view>

#include "vault/core/error.hpp"
#include "vault/crypto/passphrase_kdf.hpp"

namespace vault::crypto::stream {

inline constexpr std::size_t kKeySize = 32;
inline constexpr std::size_t kHeaderSize = 108;
inline constexpr std::size_t kTagSize = 16;
inline constexpr std::size_t kChunkOverhead = 4 + kTagSize;  ///< length prefix + tag
inline constexpr std::uint8_t kFormatVersion = 1;
inline constexpr std::uint8_t kFormatVersionTransit = 2;  ///< header carries a wrapped data key
inline constexpr std::size_t kMaxKeyNameSize = 128;
inline constexpr std::size_t kMaxWrappedKeySize = 1024;
inline constexpr std::uint32_t kDefaultChunkSize = 64 * 1024;
inline constexpr std::uint32_t kMinChunkSize = 4 * 1024;
inline constexpr std::uint32_t kMaxChunkSize = 16 * 1024 * 1024;

enum class KdfId : std::uint8_t { RawKey = 0, Argon2id = 1, TransitKey = 2 };

/// 32 bytes of key material, wiped from memory on destruction.
class FileKey {
 public:
  explicit FileKey(const std::array<std::uint8_t, kKeySize>& bytes) : bytes_(bytes) {}
  FileKey(const FileKey&) = default;
  FileKey& operator=(const FileKey&) = default;
  ~FileKey();
  /// A new key from the OS CSPRNG (OpenSSL RAND_bytes); throws
  /// VaultException (InternalServer) if the CSPRNG fails.
  static FileKey random();
  std::span<const std::uint8_t, kKeySize> bytes() const { return bytes_; }

 private:
  std::array<std::uint8_t, kKeySize> bytes_;
};

struct HeaderInfo;
/// For decrypting a TransitKey file: the data key for the header's key name
/// and wrapped key (the CLI asks the server to decrypt the wrapped key).
using KeyResolver = std::function<Result<FileKey>(const HeaderInfo& header)>;

/// What the master key comes from: a key (file) or a passphrase with the
/// Argon2id parameters used when encrypting (decryption takes them from the
/// file header). The passphrase is wiped on destruction.
class KeyMaterial {
 public:
  static KeyMaterial from_key(FileKey key);
  static KeyMaterial from_passphrase(std::string passphrase, Argon2idParams params = {});
  /// Encrypting with a transit data key: `data_key` is the plaintext key,
  /// `key_name` and `wrapped_key` go into the (version 2) header.
  static KeyMaterial from_transit(FileKey data_key, std::string key_name, std::string wrapped_key);
  /// Decrypting a transit file: `resolve` turns its header into the data key.
  static KeyMaterial from_resolver(KeyResolver resolve);
  KeyMaterial(const KeyMaterial&) = delete;
  KeyMaterial& operator=(const KeyMaterial&) = delete;
  KeyMaterial(KeyMaterial&&) = default;
  ~KeyMaterial();

  KdfId kdf() const { return kdf_; }
  const FileKey& key() const { return key_; }                    ///< kdf() == RawKey
  const std::string& passphrase() const { return passphrase_; }  ///< kdf() == Argon2id
  const Argon2idParams& params() const { return params_; }
  const std::string& key_name() const { return key_name_; }        ///< kdf() == TransitKey
  const std::string& wrapped_key() const { return wrapped_key_; }  ///< kdf() == TransitKey
  const KeyResolver& resolver() const { return resolver_; }        ///< set by from_resolver

 private:
  KeyMaterial(KdfId kdf, FileKey key, std::string passphrase, Argon2idParams params)
      : kdf_(kdf), key_(std::move(key)), passphrase_(std::move(passphrase)), params_(params) {}
  KdfId kdf_;
  FileKey key_;
  std::string passphrase_;
  Argon2idParams params_;
  std::string key_name_, wrapped_key_;
  KeyResolver resolver_;
};

/// Called after each chunk with the number of input bytes consumed so far.
using ProgressFn = std::function<void(std::uint64_t input_bytes)>;

struct EncryptOptions {
  std::uint32_t chunk_size = kDefaultChunkSize;  ///< kMinChunkSize..kMaxChunkSize
  ProgressFn on_progress;
};

struct DecryptOptions {
  ProgressFn on_progress;
};

struct StreamStats {
  std::uint64_t plaintext_bytes = 0;
  std::uint64_t chunks = 0;  ///< including the final chunk
};

/// Encrypts all of `in` to `out` (header, then chunk records), holding two
/// chunk buffers. Errors: Validation (bad chunk size or Argon2id parameters,
/// empty passphrase), EncryptionOperation (OpenSSL failure),
/// InternalServer (read or write failure of the streams).
Result<StreamStats> encrypt_stream(std::istream& in, std::ostream& out, const KeyMaterial& key,
                                   const EncryptOptions& options = {});

/// Decrypts `in` to `out`, writing each chunk's plaintext only after the
/// chunk has been authenticated. Errors: Validation (not this format, an
/// unsupported version, out-of-range header fields, key file given for a
/// passphrase file or the reverse), DecryptionOperation (header MAC: wrong
/// key/passphrase or modified header; a chunk failing authentication;
/// truncation; data after the final chunk), InternalServer (I/O).
/// On error `out` may hold the verified plaintext of earlier chunks.
Result<StreamStats> decrypt_stream(std::istream& in, std::ostream& out, const KeyMaterial& key,
                                   const DecryptOptions& options = {});

/// The unauthenticated fields of a header (what a decryptor will need).
struct HeaderInfo {
  std::uint8_t version = kFormatVersion;
  KdfId kdf = KdfId::RawKey;
  std::uint32_t chunk_size = 0;
  Argon2idParams argon2;                             ///< zero when kdf == RawKey
  std::array<std::uint8_t, kArgon2SaltSize> salt{};  ///< zero when kdf == RawKey
  std::array<std::uint8_t, 32> file_id{};
  std::string key_name;     ///< version 2 only
  std::string wrapped_key;  ///< version 2 only
  std::size_t header_size = kHeaderSize;
};

/// Parses and range-checks the header at the start of `header` (does not
/// check the MAC, which needs the key): kHeaderSize bytes for version 1,
/// header_size_of(...) bytes for version 2. Errors: Validation (also when
/// `header` is shorter than the header).
Result<HeaderInfo> parse_header(std::span<const std::uint8_t> header);
/// The full header size given at least its first 80 bytes (version 1:
/// kHeaderSize). Errors: Validation (not this format, bad lengths).
Result<std::size_t> header_size_of(std::span<const std::uint8_t> first_bytes);

/// Key file contents: exactly 32 raw bytes; or, after trimming surrounding
/// whitespace, 64 hex digits or standard base64 (with padding) of 32 bytes.
/// Errors: Validation (the message never contains the contents).
Result<FileKey> parse_key_file(std::string_view contents);

/// The key file text `vault keygen` writes: 64 lower-case hex digits + "\n".
std::string format_key_file(const FileKey& key);

}  // namespace vault::crypto::stream
