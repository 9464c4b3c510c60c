#pragma once
/// Registration of the CLI subcommands, one function per resource family
/// (commands_*.cpp). Each leaf subcommand stores its work in `ctx.action`.
#include "cli/context.hpp"

#include <CLI/CLI.hpp>

namespace vault::cli {

void add_status_command(CLI::App& root, Context& ctx);
void add_dataset_commands(CLI::App& root, Context& ctx);
void add_record_commands(CLI::App& root, Context& ctx);
/// `records import` and `records export` under the `records` subcommand.
void add_record_transfer_commands(CLI::App& records, Context& ctx);
void add_version_commands(CLI::App& root, Context& ctx);
void add_admin_commands(CLI::App& root, Context& ctx);  ///< tenants, api-keys
/// Offline `encrypt`, `decrypt` and `keygen` (commands_crypto.cpp).
void add_crypto_commands(CLI::App& root, Context& ctx);
/// `admin backup` and `admin restore` of an embedded data directory (commands_backup.cpp).
void add_backup_commands(CLI::App& root, Context& ctx);
/// Offline `scan` of local files for PII and secrets (commands_scan.cpp).
void add_scan_command(CLI::App& root, Context& ctx);
/// Offline `anonymize` of a local file (commands_anonymize.cpp).
void add_anonymize_command(CLI::App& root, Context& ctx);
/// Offline `pii eval` of labelled data (commands_pii_eval.cpp).
void add_pii_commands(CLI::App& root, Context& ctx);

/// Where `scan` and `anonymize` keep compiled pattern databases between
/// runs: $VAULT_CACHE_DIR, else $XDG_CACHE_HOME/vault, else
/// $HOME/.cache/vault; "" (compile every run) when none is set or
/// VAULT_CACHE_DIR is set empty.
std::string scanner_cache_dir();

/// Builds the whole command tree (global options, footer, subcommands).
void build_cli(CLI::App& app, Context& ctx);

}  // namespace vault::cli
