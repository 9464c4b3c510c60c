// `vault encrypt`, `vault decrypt` and `vault keygen`: streaming file
// encryption in the chunked AES-256-GCM format of
// include/vault/crypto/stream_cipher.hpp (docs/file-encryption.md). Offline
// with a key file or passphrase; with `--key NAME` the data key comes from
// the server's transit key NAME (its wrapped form is stored in the file's
// version 2 header and unwrapped by the server on decryption). The file's
// content never goes to the server.
#include <fcntl.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <boost/json/serialize.hpp>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>

#include "cli/commands.hpp"
#include "cli/progress.hpp"
#include "cli/transit_keys.hpp"
#include "vault/crypto/stream_cipher.hpp"

namespace vault::cli {
namespace {

namespace fcs = vault::crypto::stream;

/// Decryption failed authentication: wrong key or passphrase, or the file was
/// modified, truncated, extended or reordered (listed in the --help footer).
constexpr int kExitDecryptFailed = 7;

constexpr std::uint64_t kProgressThreshold = 64ull * 1024 * 1024;
constexpr std::size_t kMaxSecretFileSize = 64 * 1024;

struct CryptoOpts {
  std::string input, output, key_file, passphrase_file, passphrase_env;
  std::string transit_key;  ///< --key NAME: a transit key of the server
  std::uint64_t chunk_size = fcs::kDefaultChunkSize;
  std::uint64_t argon2_memory = std::uint64_t{crypto::Argon2idParams{}.m_cost_kib} * 1024;
  std::uint32_t argon2_iterations = crypto::Argon2idParams{}.t_cost;
  std::uint32_t argon2_parallelism = crypto::Argon2idParams{}.parallelism;
  bool force = false;
};

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

void wipe(std::string& s) {
  volatile char* p = s.data();
  for (std::size_t i = 0; i < s.size(); ++i) p[i] = 0;
  s.clear();
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

/// The output: stdout, or a temporary file next to the target that is
/// renamed into place only by commit() (so a failed decryption never leaves
/// unauthenticated or partial plaintext under the target name).
class Output {
 public:
  ~Output() { abort(); }

  /// Prints the error and returns false on failure.
  bool open(const std::string& target, bool force, int& rc) {
    if (target == "-") return true;
    target_ = target;
    std::error_code ec;
    if (std::filesystem::exists(target, ec) && !force) {
      rc = usage_error(target + " exists (use --force to overwrite)");
      return false;
    }
    auto dir = std::filesystem::path(target).parent_path();
    std::string tmpl = (dir.empty() ? std::filesystem::path(".") : dir) /
                       ("." + std::filesystem::path(target).filename().string() + ".vault-tmp-XXXXXX");
    int fd = ::mkstemp(tmpl.data());  // mode 0600
    if (fd < 0) {
      rc = usage_error("cannot create a temporary file next to " + target + ": " + std::strerror(errno));
      return false;
    }
    ::close(fd);
    temp_ = tmpl;
    file_.open(temp_, std::ios::binary | std::ios::trunc);
    if (!file_) {
      rc = usage_error("cannot write " + temp_ + ": " + std::strerror(errno));
      return false;
    }
    return true;
  }

  std::ostream& stream() { return temp_.empty() ? std::cout : static_cast<std::ostream&>(file_); }

  /// Flushes, fsyncs and renames into place; prints the error on failure.
  bool commit() {
    if (temp_.empty()) return static_cast<bool>(std::cout.flush());
    file_.close();
    bool ok = !file_.fail();
    if (ok) {
      int fd = ::open(temp_.c_str(), O_RDONLY | O_CLOEXEC);
      ok = fd >= 0 && ::fsync(fd) == 0;
      if (fd >= 0) ::close(fd);
    }
    ok = ok && ::rename(temp_.c_str(), target_.c_str()) == 0;
    if (!ok) {
      std::cerr << "error: cannot write " << target_ << ": " << std::strerror(errno) << '\n';
      return false;
    }
    temp_.clear();
    return true;
  }

  /// Removes the temporary file (no-op after commit).
  void abort() {
    if (temp_.empty()) return;
    if (file_.is_open()) file_.close();
    ::unlink(temp_.c_str());
    temp_.clear();
  }

 private:
  std::string target_, temp_;
  std::ofstream file_;
};

struct Input {
  std::ifstream file;
  std::optional<std::uint64_t> size;
  bool from_stdin = false;
  std::istream& stream() { return from_stdin ? std::cin : static_cast<std::istream&>(file); }
};

bool open_input(const std::string& path, Input& in, int& rc) {
  if (path == "-") {
    in.from_stdin = true;
    return true;
  }
  in.file.open(path, std::ios::binary);
  if (!in.file) {
    rc = usage_error("cannot open " + path + ": " + std::strerror(errno));
    return false;
  }
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode)) in.size = static_cast<std::uint64_t>(st.st_size);
  return true;
}

bool show_progress(const Context& ctx, const Input& in) {
  if (ctx.opts.quiet) return false;
  return in.size ? *in.size >= kProgressThreshold : ::isatty(STDERR_FILENO) == 1;
}

int run_encrypt(const Context& ctx, const CryptoOpts& o) {
  if (o.chunk_size < fcs::kMinChunkSize || o.chunk_size > fcs::kMaxChunkSize)
    return usage_error("--chunk-size must be between 4KiB and 16MiB");
  crypto::Argon2idParams params{o.argon2_iterations, static_cast<std::uint32_t>(o.argon2_memory / 1024),
                                o.argon2_parallelism};
  if (o.argon2_memory / 1024 > crypto::Argon2idParams::kMaxMKiB || !crypto::validate_argon2id_params(params))
    return usage_error(
        "invalid Argon2id parameters (iterations 1..64, parallelism 1..64, memory 8KiB*p..4GiB)");
  if (o.output == "-" && ::isatty(STDOUT_FILENO) == 1)
    return usage_error("refusing to write ciphertext to a terminal (use -o FILE)");
  int rc = exit_code::ok;
  Input in;
  if (!open_input(o.input, in, rc)) return rc;
  auto key = o.transit_key.empty() ? key_material(o, true, rc) : transit_key_material(ctx, o, true, rc, nullptr);
  if (!key) return rc;
  Output out;
  if (!out.open(o.output, o.force, rc)) return rc;
  Progress progress("encrypt", show_progress(ctx, in));
  fcs::EncryptOptions opts;
  opts.chunk_size = static_cast<std::uint32_t>(o.chunk_size);
  opts.on_progress = [&](std::uint64_t done) { progress.update(done, in.size); };
  auto r = fcs::encrypt_stream(in.stream(), out.stream(), *key, opts);
  if (!r) return report(r.error());
  if (!out.commit()) return exit_code::generic;
  progress.finish();
  return exit_code::ok;
}

int run_decrypt(const Context& ctx, const CryptoOpts& o) {
  int rc = exit_code::ok;
  Input in;
  if (!open_input(o.input, in, rc)) return rc;
  int server_rc = exit_code::ok;
  auto key =
      o.transit_key.empty() ? key_material(o, false, rc) : transit_key_material(ctx, o, false, rc, &server_rc);
  if (!key) return rc;
  Output out;
  if (!out.open(o.output, o.force, rc)) return rc;
  Progress progress("decrypt", show_progress(ctx, in));
  fcs::DecryptOptions opts;
  opts.on_progress = [&](std::uint64_t done) { progress.update(done, in.size); };
  auto r = fcs::decrypt_stream(in.stream(), out.stream(), *key, opts);
  if (!r) {
    out.abort();
    if (server_rc != exit_code::ok) return server_rc;  // already reported
    if (o.output == "-" && r.error().kind() == ErrorKind::DecryptionOperation)
      std::cerr
          << "note: the output already holds the chunks before the failing one (each was authenticated); "
             "discard it\n";
    return report(r.error());
  }
  if (!out.commit()) return exit_code::generic;
  progress.finish();
  return exit_code::ok;
}

int run_keygen(const CryptoOpts& o) {
  if (o.output == "-") return usage_error("keygen writes a file: give -o FILE");
  std::error_code ec;
  if (std::filesystem::exists(o.output, ec) || std::filesystem::is_symlink(o.output, ec)) {
    if (!o.force) return usage_error(o.output + " exists (use --force to overwrite)");
    if (::unlink(o.output.c_str()) != 0)
      return usage_error("cannot replace " + o.output + ": " + std::strerror(errno));
  }
  int fd = ::open(o.output.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return usage_error("cannot create " + o.output + ": " + std::strerror(errno));
  ::fchmod(fd, 0600);  // whatever the umask
  std::string text = fcs::format_key_file(fcs::FileKey::random());
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
  wipe(text);
  ok = ::close(fd) == 0 && ok;
  if (!ok) {
    ::unlink(o.output.c_str());
    std::cerr << "error: cannot write " << o.output << '\n';
    return exit_code::generic;
  }
  return exit_code::ok;
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

}  // namespace

void add_crypto_commands(CLI::App& root, Context& ctx) {
  const char* key_note =
      "Key: --key-file, --passphrase-file, --passphrase-env or --key NAME (a transit key of the server, "
      "with --url/--api-key or VAULT_URL/VAULT_API_KEY); with none of them, on a terminal, the "
      "passphrase is prompted for (no echo). Passphrases go through Argon2id. Format: "
      "docs/file-encryption.md.";
  {
    auto o = std::make_shared<CryptoOpts>();
    auto* c = root.add_subcommand("encrypt", "Encrypt a local file (offline; chunked AES-256-GCM, any size)");
    c->footer(key_note);
    c->add_option("file", o->input, "file to encrypt, or - for stdin")->required();
    c->add_option("-o,--output", o->output, "encrypted file to write, or - for stdout")->required();
    add_key_options(c, *o);
    c->add_option("--chunk-size", o->chunk_size, "plaintext bytes per chunk, 4KiB..16MiB")
        ->transform(CLI::AsSizeValue(false))
        ->capture_default_str();
    c->add_option("--argon2-iterations", o->argon2_iterations, "Argon2id passes (passphrase only)")
        ->capture_default_str();
    c->add_option("--argon2-memory", o->argon2_memory,
                  "Argon2id memory, e.g. 256MiB (passphrase only; default 64MiB)")
        ->transform(CLI::AsSizeValue(false));
    c->add_option("--argon2-parallelism", o->argon2_parallelism, "Argon2id lanes (passphrase only)")
        ->capture_default_str();
    c->callback([&ctx, o] { ctx.action = [&ctx, o] { return run_encrypt(ctx, *o); }; });
  }
  {
    auto o = std::make_shared<CryptoOpts>();
    auto* c = root.add_subcommand(
        "decrypt", "Decrypt a file written by `vault encrypt` (exit 7 if it fails authentication)");
    c->footer(key_note);
    c->add_option("file", o->input, "encrypted file, or - for stdin")->required();
    c->add_option("-o,--output", o->output, "plaintext file to write (only on success), or - for stdout")
        ->required();
    add_key_options(c, *o);
    c->callback([&ctx, o] { ctx.action = [&ctx, o] { return run_decrypt(ctx, *o); }; });
  }
  {
    auto o = std::make_shared<CryptoOpts>();
    auto* c =
        root.add_subcommand("keygen", "Write a new random 256-bit key file (mode 0600) for encrypt/decrypt");
    c->add_option("-o,--output", o->output, "key file to create")->required();
    c->add_flag("-f,--force", o->force, "replace an existing file");
    c->callback([&ctx, o] { ctx.action = [o] { return run_keygen(*o); }; });
  }
}

}  // namespace vault::cli
