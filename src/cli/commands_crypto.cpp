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
#include "cli/file_keys.hpp"
#include "cli/progress.hpp"
#include "cli/transit_keys.hpp"
#include "vault/crypto/stream_cipher.hpp"

namespace vault::cli {
namespace {


constexpr std::uint64_t kProgressThreshold = 64ull * 1024 * 1024;


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
