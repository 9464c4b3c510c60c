#pragma once
/// Keys for the offline file commands (`encrypt`, `decrypt`, `admin backup`,
/// `admin restore`): the --key-file / --passphrase-file / --passphrase-env /
/// --key options and the key material they give (file_keys.cpp).
#include "cli/context.hpp"
#include "vault/core/error.hpp"
#include "vault/crypto/stream_cipher.hpp"

#include <CLI/CLI.hpp>

#include <cstdint>
#include <optional>
#include <string>

namespace vault::cli {

namespace fcs = vault::crypto::stream;

/// Decryption failed authentication: wrong key or passphrase, or the file was
/// modified, truncated, extended or reordered (listed in the --help footer).
inline constexpr int kExitDecryptFailed = 7;

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
int report(const Error& e);
/// The key of --key-file / --passphrase-file / --passphrase-env, or the
/// terminal prompt; nullopt with `rc` set (and the reason printed) otherwise.
std::optional<fcs::KeyMaterial> key_material(const CryptoOpts& o, bool encrypting, int& rc);
/// The data key made (encrypting) or unwrapped by the server's transit key --key NAME.
std::optional<fcs::KeyMaterial> transit_key_material(const Context& ctx, const CryptoOpts& o, bool encrypting,
                                                     int& rc, int* server_rc);
/// Overwrites a secret before clearing it.
void wipe(std::string& s);
/// Adds --key-file, --passphrase-file, --passphrase-env, --key and -f/--force.
void add_key_options(CLI::App* c, CryptoOpts& o);

}  // namespace vault::cli
