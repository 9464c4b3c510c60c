// `vault admin backup` and `vault admin restore` of an embedded data
// directory (backup_archive.hpp): an online, consistent snapshot of the
// metadata store with the keyring, encrypted in the format of `vault
// encrypt` (docs/file-encryption.md) with a key file or a passphrase; once
// or every N seconds; to a file, a directory or an object store
// (backup_store.hpp). The archive exists in clear only in a private (0700)
// scratch directory next to the output (the temp directory for an object
// store), removed when the backup is written.
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <thread>

#include "cli/backup_archive.hpp"
#include "cli/backup_store.hpp"
#include "cli/commands.hpp"
#include "cli/file_keys.hpp"
#include "vault/core/private_files.hpp"

namespace vault::cli {
namespace {

namespace fs = std::filesystem;

struct BackupOpts {
  CryptoOpts key;
  std::string data_dir;
  unsigned every = 0;     ///< seconds; 0 = once
  unsigned count = 0;     ///< with --every: stop after this many backups (0 = until interrupted)
};

std::string utc_stamp() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

/// A private scratch directory next to `target` (same file system), removed on destruction.
class Scratch {
 public:
  explicit Scratch(const fs::path& target) {
    std::string tmpl = (target.parent_path().empty() ? fs::path(".") : target.parent_path()) / ".vault-backup-XXXXXX";
    if (::mkdtemp(tmpl.data())) path_ = tmpl;  // mkdtemp makes it 0700
  }
  ~Scratch() {
    std::error_code ec;
    if (!path_.empty()) fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

/// One backup to the file `target`, or, when `store_url` is set, to the
/// object `target` of that store.
int backup_once(const BackupOpts& o, const fs::path& target, const fcs::KeyMaterial& key,
                const std::string& store_url = {}) {
  std::error_code ec;
  const bool to_store = !store_url.empty();
  if (!to_store) {
    if (fs::exists(target, ec) && !o.key.force) return usage_error(target.string() + " exists (use --force)");
    if (!target.parent_path().empty() && !fs::exists(target.parent_path(), ec))
      if (auto d = create_private_dirs(target.parent_path()); !d) return report(d.error());
  }
  Scratch scratch(to_store ? fs::temp_directory_path() / "x" : target);
  if (scratch.path().empty()) {
    std::cerr << "error: cannot create a scratch directory next to " << target << '\n';
    return exit_code::generic;
  }
  const fs::path archive = scratch.path() / "archive";
  BackupSummary sum;
  {
    std::ofstream a(archive, std::ios::binary);
    auto w = write_backup_archive(o.data_dir, scratch.path(), a);
    a.close();
    if (!w) return report(w.error());
    if (!a) {
      std::cerr << "error: cannot write " << archive << '\n';
      return exit_code::generic;
    }
    sum = *w;
  }
  const fs::path partial = scratch.path() / "encrypted";
  {
    std::ifstream in(archive, std::ios::binary);
    std::ofstream out(partial, std::ios::binary);
    auto e = fcs::encrypt_stream(in, out, key);
    out.close();
    if (!e) return report(e.error());
    if (!out) {
      std::cerr << "error: cannot write " << partial << '\n';
      return exit_code::generic;
    }
  }
  ::chmod(partial.c_str(), 0600);
  if (to_store) {
    auto url = upload_backup(store_url, target.string(), partial);
    if (!url) return report(url.error());
    std::cout << "backup: " << *url << " (" << sum.files << " files, " << sum.bytes << " bytes before encryption)"
              << std::endl;
    return exit_code::ok;
  }
  fs::rename(partial, target, ec);  // same directory's file system: atomic
  if (ec) {
    std::cerr << "error: cannot write " << target << ": " << ec.message() << '\n';
    return exit_code::generic;
  }
  std::cout << "backup: " << target.string() << " (" << sum.files << " files, " << sum.bytes
            << " bytes before encryption)" << std::endl;
  return exit_code::ok;
}

volatile std::sig_atomic_t g_stop = 0;

int run_backup(const BackupOpts& o) {
  if (!o.key.transit_key.empty()) return usage_error("a backup is encrypted with --key-file or a passphrase");
  int rc = exit_code::ok;
  auto key = key_material(o.key, /*encrypting=*/true, rc);
  if (!key) return rc;
  const bool to_store = is_backup_store_url(o.key.output);
  // An object store gets timestamped names, once or every N seconds.
  const std::string store_url = to_store ? o.key.output : std::string();
  auto stamped = [] { return "vault-backup-" + utc_stamp() + ".vbak"; };
  if (o.every == 0) return to_store ? backup_once(o, stamped(), *key, store_url) : backup_once(o, o.key.output, *key);
  // Every N seconds into the directory (or store) -o, one timestamped file each.
  if (!to_store)
    if (auto d = create_private_dirs(o.key.output); !d) return report(d.error());
  std::signal(SIGINT, [](int) { g_stop = 1; });
  std::signal(SIGTERM, [](int) { g_stop = 1; });
  for (unsigned n = 1; !g_stop; ++n) {
    const auto next = std::chrono::steady_clock::now() + std::chrono::seconds(o.every);
    int r = to_store ? backup_once(o, stamped(), *key, store_url)
                     : backup_once(o, fs::path(o.key.output) / stamped(), *key);
    if (r != exit_code::ok) return r;
    if (o.count && n >= o.count) break;
    while (!g_stop && std::chrono::steady_clock::now() < next) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return exit_code::ok;
}

int run_restore(const BackupOpts& o) {
  if (!o.key.transit_key.empty()) return usage_error("a backup is decrypted with --key-file or a passphrase");
  int rc = exit_code::ok;
  auto key = key_material(o.key, /*encrypting=*/false, rc);
  if (!key) return rc;
  const fs::path target(o.data_dir);
  std::error_code ec;
  if (fs::exists(target, ec) && !fs::is_empty(target, ec))
    return usage_error(o.data_dir + " exists and is not empty: restore into a new data directory");
  Scratch scratch(target.parent_path().empty() ? fs::path("x") : target);
  if (scratch.path().empty()) {
    std::cerr << "error: cannot create a scratch directory next to " << target << '\n';
    return exit_code::generic;
  }
  const fs::path archive = scratch.path() / "archive";
  fs::path encrypted = o.key.input;
  if (is_backup_store_url(o.key.input)) {  // streamed down first, decrypted from there
    encrypted = scratch.path() / "download";
    if (auto d = download_backup(o.key.input, encrypted); !d) return report(d.error());
  }
  {
    std::ifstream in(encrypted, std::ios::binary);
    if (!in) {
      std::cerr << "error: cannot read " << o.key.input << '\n';
      return exit_code::generic;
    }
    std::ofstream out(archive, std::ios::binary);
    auto d = fcs::decrypt_stream(in, out, *key);
    out.close();
    if (!d) return report(d.error());  // wrong key or a modified backup: exit 7
  }
  std::ifstream in(archive, std::ios::binary);
  auto r = restore_backup_archive(in, target);
  if (!r) return report(r.error());
  std::cout << "restored: " << target.string() << " (" << r->files << " files, " << r->bytes << " bytes)"
            << std::endl;
  return exit_code::ok;
}

}  // namespace

void add_backup_commands(CLI::App& root, Context& ctx) {
  auto* admin = root.add_subcommand("admin", "Backup and restore of a data directory (on its files, not through the API)");
  admin->require_subcommand(1);
  const char* key_note =
      "Key: --key-file or --passphrase-file / --passphrase-env (Argon2id); on a terminal the passphrase is "
      "prompted for. Keep it apart from the backups: a backup holds the keyring and its master key.";
  {
    auto o = std::make_shared<BackupOpts>();
    auto* c = admin->add_subcommand(
        "backup",
        "Online backup of an embedded data directory: a consistent snapshot of meta.db with the keyring, "
        "encrypted (vaultd keeps running)");
    c->footer(key_note);
    c->add_option("--data-dir", o->data_dir, "vaultd's data directory")->required();
    c->add_option("-o,--output", o->key.output,
                  "backup file to write (with --every: a directory), or an object store: "
                  "s3://BUCKET[/prefix]?endpoint=...&region=... (object vault-backup-<UTC time>.vbak)")
        ->required();
    c->add_option("--every", o->every, "back up every N seconds into the directory -o until interrupted");
    c->add_option("--count", o->count, "with --every: stop after this many backups");
    add_key_options(c, o->key);
    c->callback([&ctx, o] { ctx.action = [o] { return run_backup(*o); }; });
  }
  {
    auto o = std::make_shared<BackupOpts>();
    auto* c = admin->add_subcommand("restore", "Restore a backup into a new data directory (exit 7: wrong key or "
                                              "a modified backup)");
    c->footer(key_note);
    c->add_option("file", o->key.input, "backup file, or object: s3://BUCKET[/prefix]/NAME.vbak?endpoint=...")
        ->required();
    c->add_option("--data-dir", o->data_dir, "new data directory to create (must not exist or be empty)")
        ->required();
    add_key_options(c, o->key);
    c->callback([&ctx, o] { ctx.action = [o] { return run_restore(*o); }; });
  }
}

}  // namespace vault::cli
