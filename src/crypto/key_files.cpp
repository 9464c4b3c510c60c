#include "crypto/key_files.hpp"

#include "vault/core/private_files.hpp"

#include <openssl/evp.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <cctype>

namespace vault::crypto::detail {
namespace {

namespace fs = std::filesystem;

auto io_error(std::string what, const fs::path& p) {
  return fail(ErrorKind::KeyProvider, what + " " + p.string() + ": " + std::strerror(errno));
}

struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

bool write_all(int fd, std::string_view b) {
  while (!b.empty()) {
    const ssize_t n = ::write(fd, b.data(), b.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    b.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

Status fsync_dir(const fs::path& dir) {
  Fd d{::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)};
  if (d.fd < 0 || ::fsync(d.fd) != 0) return io_error("cannot sync directory", dir);
  return {};
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

Status write_file_atomic(const fs::path& path, std::string_view bytes) {
  const fs::path dir = path.parent_path();
  if (!dir.empty())
    if (auto d = create_private_dirs(dir); !d) return fail(ErrorKind::KeyProvider, "cannot create directory " + dir.string());
  std::string tmpl = path.string() + ".tmp-XXXXXX";
  Fd f{::mkstemp(tmpl.data())};  // mode 0600
  if (f.fd < 0) return io_error("cannot create temp file for", path);
  if (!write_all(f.fd, bytes) || ::fsync(f.fd) != 0) {
    ::unlink(tmpl.c_str());
    return io_error("cannot write", path);
  }
  if (::rename(tmpl.c_str(), path.c_str()) != 0) {
    ::unlink(tmpl.c_str());
    return io_error("cannot rename temp file to", path);
  }
  return fsync_dir(dir);
}

Result<std::optional<std::string>> read_file(const fs::path& path) {
  Fd f{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (f.fd < 0) {
    if (errno == ENOENT) return std::optional<std::string>{};
    return io_error("cannot open", path);
  }
  std::string out;
  char buf[8192];
  for (;;) {
    const ssize_t n = ::read(f.fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return io_error("cannot read", path);
    if (n == 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  return std::optional<std::string>(std::move(out));
}

Result<SecureBytes> decode_key_text(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
  SecureBytes key(32);
  if (text.size() == 64) {
    bool ok = true;
    for (std::size_t i = 0; i < 32 && ok; ++i) {
      const int hi = hex_value(text[2 * i]), lo = hex_value(text[2 * i + 1]);
      ok = hi >= 0 && lo >= 0;
      if (ok) key.data()[i] = static_cast<std::uint8_t>(hi << 4 | lo);
    }
    if (ok) return key;
  }
  if (text.size() == 44 && text[43] == '=' && text[42] != '=') {
    SecureBytes buf(33);
    const int n = EVP_DecodeBlock(buf.data(), reinterpret_cast<const unsigned char*>(text.data()), 44);
    if (n == 33) {
      std::memcpy(key.data(), buf.data(), 32);
      return key;
    }
  }
  return fail(ErrorKind::Configuration, "master key must be 32 bytes as 64 hex digits or base64");
}

Result<SecureBytes> load_or_create_master_key(const fs::path& path) {
  Fd f{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (f.fd < 0 && errno == ENOENT) {
    if (!path.parent_path().empty()) (void)create_private_dirs(path.parent_path());  // open() reports failures
    Fd w{::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)};
    if (w.fd < 0) return io_error("cannot create master key file", path);
    auto key = SecureBytes::random(32);
    if (!write_all(w.fd, key.view()) || ::fsync(w.fd) != 0) {
      ::unlink(path.c_str());
      return io_error("cannot write master key file", path);
    }
    if (auto s = fsync_dir(path.parent_path()); !s) return fail(s.error());
    return key;
  }
  if (f.fd < 0) return io_error("cannot open master key file", path);
  struct stat st {};
  if (::fstat(f.fd, &st) != 0) return io_error("cannot stat master key file", path);
  if (st.st_mode & 077)
    return fail(ErrorKind::Configuration,
                "master key file " + path.string() + " must not be accessible by group or others (chmod 600)");
  if (st.st_size > 4096) return fail(ErrorKind::Configuration, "master key file " + path.string() + " is too large");
  SecureBytes buf(static_cast<std::size_t>(st.st_size));
  std::size_t got = 0;
  while (got < buf.size()) {
    const ssize_t n = ::read(f.fd, buf.data() + got, buf.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return io_error("cannot read master key file", path);
    got += static_cast<std::size_t>(n);
  }
  if (buf.size() == 32) return buf;
  auto k = decode_key_text(buf.view());
  if (!k) return fail(ErrorKind::Configuration, "master key file " + path.string() + " is malformed");
  return k;
}

Result<SecureBytes> master_key_from_env(const std::string& var) {
  const char* v = std::getenv(var.c_str());
  if (!v || !*v) return fail(ErrorKind::Configuration, "environment variable " + var + " is not set");
  auto k = decode_key_text(v);
  if (!k) return fail(ErrorKind::Configuration, "environment variable " + var + " does not hold a valid master key");
  return k;
}

}  // namespace vault::crypto::detail
