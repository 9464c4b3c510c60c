// The key options of the offline file commands (file_keys.hpp).
#include "cli/file_keys.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <boost/json/serialize.hpp>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>

#include "cli/output.hpp"
#include "cli/transit_keys.hpp"

namespace vault::cli {
namespace {

constexpr std::size_t kMaxSecretFileSize = 64 * 1024;




/// A whole small file (key or passphrase), or nullopt with errno set.
std::optional<std::string> read_small_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::string s(kMaxSecretFileSize + 1, '\0');
  in.read(s.data(), static_cast<std::streamsize>(s.size()));
  if (in.bad()) return std::nullopt;
  s.resize(static_cast<std::size_t>(in.gcount()));
  return s;
}


std::string strip_newline(std::string s) {
  if (!s.empty() && s.back() == '\n') s.pop_back();
  if (!s.empty() && s.back() == '\r') s.pop_back();
  return s;
}

/// Reads a line from the controlling terminal with echo off.
std::optional<std::string> prompt_no_echo(int tty, const char* prompt) {
  if (::write(tty, prompt, std::strlen(prompt)) < 0) return std::nullopt;
  termios old{};
  bool restore = ::tcgetattr(tty, &old) == 0;
  if (restore) {
    termios quiet = old;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    quiet.c_lflag |= ECHONL;
    ::tcsetattr(tty, TCSAFLUSH, &quiet);
  }
  std::string line;
  char ch = 0;
  bool got_newline = false;
  while (::read(tty, &ch, 1) == 1) {
    if (ch == '\n') {
      got_newline = true;
      break;
    }
    line += ch;
  }
  if (restore) ::tcsetattr(tty, TCSAFLUSH, &old);
  if (!got_newline && line.empty()) return std::nullopt;
  return strip_newline(line + "\n");
}

}  // namespace

void wipe(std::string& s) {
  volatile char* p = s.data();
  for (std::size_t i = 0; i < s.size(); ++i) p[i] = 0;
  s.clear();
}

/// Prints `error: <type> (<code>): <message>` (and details) like the server
/// errors; I/O failures print just the message. Returns the exit code.
int report(const Error& e) {
  if (e.kind() == ErrorKind::InternalServer) {
    std::cerr << "error: " << e.message() << '\n';
    return exit_code::generic;
  }
  std::cerr << "error: " << e.info().type << " (" << error_code_string(e.kind()) << "): " << e.message()
            << '\n';
  if (!e.details().empty()) std::cerr << "  details: " << boost::json::serialize(e.details()) << '\n';
  return e.kind() == ErrorKind::DecryptionOperation ? kExitDecryptFailed : exit_code::generic;
}

/// Key material from the server's transit key `--key NAME`: a fresh data key
/// when encrypting; when decrypting, a resolver that asks the server to
/// decrypt the header's wrapped key (its failure exit code lands in *server_rc).
std::optional<fcs::KeyMaterial> transit_key_material(const Context& ctx, const CryptoOpts& o, bool encrypting,
                                                     int& rc, int* server_rc) {
  if (encrypting) {
    auto dk = fetch_transit_data_key(ctx, o.transit_key, rc);
    if (!dk) return std::nullopt;
    return fcs::KeyMaterial::from_transit(std::move(dk->key), o.transit_key, std::move(dk->wrapped));
  }
  return fcs::KeyMaterial::from_resolver(
      [&ctx, name = o.transit_key, server_rc](const fcs::HeaderInfo& h) -> Result<fcs::FileKey> {
        if (h.key_name != name)
          return fail(ErrorKind::Validation, "this file was encrypted with another transit key",
                      {{"file_key", h.key_name}, {"given_key", name}});
        int rc = exit_code::ok;
        auto key = unwrap_transit_data_key(ctx, name, h.wrapped_key, rc);
        if (!key) {
          *server_rc = rc;
          return fail(ErrorKind::KeyRetrieval, "the server did not decrypt the file's data key");
        }
        return std::move(*key);
      });
}

/// The key material from the options; prints the error and returns nullopt
/// (with `rc` set) when it cannot be had.
std::optional<fcs::KeyMaterial> key_material(const CryptoOpts& o, bool encrypting, int& rc) {
  crypto::Argon2idParams params{o.argon2_iterations, static_cast<std::uint32_t>(o.argon2_memory / 1024),
                                o.argon2_parallelism};
  auto passphrase = [&](std::string p) -> std::optional<fcs::KeyMaterial> {
    if (p.empty()) {
      rc = usage_error("the passphrase is empty");
      return std::nullopt;
    }
    return fcs::KeyMaterial::from_passphrase(std::move(p), params);
  };
  if (!o.key_file.empty()) {
    auto text = read_small_file(o.key_file);
    if (!text) {
      rc = usage_error("cannot read key file " + o.key_file + ": " + std::strerror(errno));
      return std::nullopt;
    }
    auto key = fcs::parse_key_file(*text);
    wipe(*text);
    if (!key) {
      rc = usage_error(o.key_file + ": " + key.error().message());
      return std::nullopt;
    }
    struct stat st {};
    if (::stat(o.key_file.c_str(), &st) == 0 && (st.st_mode & 0077) != 0)
      std::cerr << "warning: key file " << o.key_file << " is accessible by group or others (chmod 600)\n";
    return fcs::KeyMaterial::from_key(std::move(*key));
  }
  if (!o.passphrase_file.empty()) {
    auto text = read_small_file(o.passphrase_file);
    if (!text) {
      rc = usage_error("cannot read passphrase file " + o.passphrase_file + ": " + std::strerror(errno));
      return std::nullopt;
    }
    auto p = strip_newline(*text);
    wipe(*text);
    return passphrase(std::move(p));
  }
  if (!o.passphrase_env.empty()) {
    const char* v = std::getenv(o.passphrase_env.c_str());
    if (!v) {
      rc = usage_error("environment variable " + o.passphrase_env + " is not set");
      return std::nullopt;
    }
    return passphrase(v);
  }
  // Prompt only when the user sits at a terminal (never block a script).
  int tty = ::isatty(STDIN_FILENO) == 1 ? ::open("/dev/tty", O_RDWR | O_CLOEXEC) : -1;
  if (tty < 0) {
    rc = usage_error(
        "no key given: use --key-file, --passphrase-file or --passphrase-env "
        "(or run on a terminal to be prompted for a passphrase)");
    return std::nullopt;
  }
  auto first = prompt_no_echo(tty, "Passphrase: ");
  std::optional<std::string> second;
  if (first && encrypting) second = prompt_no_echo(tty, "Repeat passphrase: ");
  ::close(tty);
  if (!first || (encrypting && (!second || *second != *first))) {
    if (first) wipe(*first);
    if (second) wipe(*second);
    rc = usage_error(first ? "the passphrases do not match" : "no passphrase read from the terminal");
    return std::nullopt;
  }
  if (second) wipe(*second);
  return passphrase(std::move(*first));
}

void add_key_options(CLI::App* c, CryptoOpts& o) {
  auto* kf = c->add_option("--key-file", o.key_file,
                           "key file: 32 raw bytes, 64 hex digits or base64 (vault keygen)");
  auto* pf = c->add_option("--passphrase-file", o.passphrase_file,
                           "read the passphrase from FILE (one trailing newline is dropped)");
  auto* pe = c->add_option("--passphrase-env", o.passphrase_env,
                           "read the passphrase from environment variable VAR");
  auto* tk = c->add_option("--key", o.transit_key,
                           "transit key NAME of the server (--url/--api-key): the file's data key is made and "
                           "unwrapped by the server; the content stays local");
  kf->excludes(pf, pe, tk);
  pf->excludes(pe, tk);
  pe->excludes(tk);
  c->add_flag("-f,--force", o.force, "overwrite an existing output file");
}

}  // namespace vault::cli
