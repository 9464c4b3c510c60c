#include "compiled_db_cache.hpp"

#include <openssl/evp.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sys/stat.h>
#include <unistd.h>

namespace vault::pii::detail {
namespace {

using Digest = std::array<unsigned char, 32>;

/// Incremental SHA-256 (EVP).
class Sha256 {
 public:
  Sha256() : ctx_(EVP_MD_CTX_new()) { ok_ = ctx_ && EVP_DigestInit_ex(ctx_, EVP_sha256(), nullptr) == 1; }
  ~Sha256() { EVP_MD_CTX_free(ctx_); }
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void add(const void* p, std::size_t n) { ok_ = ok_ && EVP_DigestUpdate(ctx_, p, n) == 1; }
  void add_field(const std::string& s) {  // length-prefixed: fields cannot run into each other
    const std::uint64_t n = s.size();
    add(&n, sizeof n);
    add(s.data(), s.size());
  }
  bool finish(Digest& out) {
    unsigned len = 0;
    return ok_ && EVP_DigestFinal_ex(ctx_, out.data(), &len) == 1 && len == out.size();
  }

 private:
  EVP_MD_CTX* ctx_;
  bool ok_ = false;
};

bool sha256(const char* p, std::size_t n, Digest& out) {
  Sha256 h;
  h.add(p, n);
  return h.finish(out);
}

std::string hex(const Digest& d) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s;
  for (unsigned char c : d) {
    s += kHex[c >> 4];
    s += kHex[c & 15];
  }
  return s;
}

bool write_all(int fd, const void* p, std::size_t n) {
  const char* c = static_cast<const char*>(p);
  while (n > 0) {
    const ssize_t w = ::write(fd, c, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    c += w;
    n -= static_cast<std::size_t>(w);
  }
  return true;
}

std::string path_of(const std::string& dir, const std::string& key) { return dir + "/vectorscan-" + key + ".db"; }

}  // namespace

std::string compiled_db_key(const std::vector<const char*>& expressions, const std::vector<unsigned>& flags,
                            const std::vector<unsigned>& ids, unsigned mode) {
  Sha256 h;
  h.add_field(hs_version());
  h.add_field(std::to_string(mode));
  for (std::size_t i = 0; i < expressions.size(); ++i) {
    h.add_field(expressions[i]);
    h.add_field(std::to_string(flags[i]) + ":" + std::to_string(ids[i]));
  }
  Digest d{};
  if (!h.finish(d)) return {};
  return hex(d);
}

hs_database_t* load_compiled_db(const std::string& dir, const std::string& key) {
  if (dir.empty() || key.empty()) return nullptr;
  std::ifstream in(path_of(dir, key), std::ios::binary);
  if (!in) return nullptr;
  std::string file((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  Digest stored{}, actual{};
  if (file.size() <= stored.size()) return nullptr;
  std::memcpy(stored.data(), file.data(), stored.size());
  const char* bytes = file.data() + stored.size();
  const std::size_t n = file.size() - stored.size();
  if (!sha256(bytes, n, actual) || actual != stored) return nullptr;
  hs_database_t* db = nullptr;
  if (hs_deserialize_database(bytes, n, &db) != HS_SUCCESS) return nullptr;
  return db;
}

void store_compiled_db(const std::string& dir, const std::string& key, const hs_database_t* db) {
  if (dir.empty() || key.empty() || !db) return;
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return;
  ::chmod(dir.c_str(), 0700);
  char* bytes = nullptr;
  std::size_t n = 0;
  if (hs_serialize_database(db, &bytes, &n) != HS_SUCCESS) return;
  Digest d{};
  const bool hashed = sha256(bytes, n, d);
  const std::string final_path = path_of(dir, key);
  const std::string tmp = final_path + ".tmp." + std::to_string(::getpid());
  bool ok = false;
  if (hashed) {
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd >= 0) {
      ok = write_all(fd, d.data(), d.size()) && write_all(fd, bytes, n);
      ok = ::close(fd) == 0 && ok;
    }
  }
  std::free(bytes);  // hs_serialize_database allocates with the default (malloc) allocator
  if (!ok || std::rename(tmp.c_str(), final_path.c_str()) != 0) ::unlink(tmp.c_str());
}

}  // namespace vault::pii::detail
