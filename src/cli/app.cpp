// The command tree of `vault`: global options, the exit-code footer and
// every subcommand.
#include "cli/commands.hpp"

namespace vault::cli {

void build_cli(CLI::App& app, Context& ctx) {
  app.description("vault: command-line client of the LLM Data Vault server (vaultd)");
  app.set_version_flag("--version", std::string(kCliVersion));
  app.require_subcommand(1);
  app.fallthrough();  // global options may follow the subcommand
  app.add_option("--url", ctx.opts.url, "server base URL")->envname("VAULT_URL")->capture_default_str();
  app.add_option("--api-key", ctx.opts.api_key, "API key (Authorization: Bearer)")->envname("VAULT_API_KEY");
  app.add_option("--format", ctx.opts.format, "output: table or json (the server's JSON)")
      ->check(CLI::IsMember({"table", "json"}))
      ->capture_default_str();
  app.add_flag("-q,--quiet", ctx.opts.quiet, "no progress or notes on stderr");
  app.footer(
      "Exit codes:\n"
      "  0  success\n"
      "  1  server or generic error (also: an import with failed lines, a server not ready)\n"
      "  2  usage error (bad command line or argument)\n"
      "  3  not found (404)\n"
      "  4  authentication or authorization failure (401, 403)\n"
      "  5  conflict (409, 412, 422: name taken, stale ETag, idempotency key reuse)\n"
      "  6  cannot connect to the server\n"
      "  7  decryption failed (wrong key or passphrase, or the file was modified or truncated)\n"
      "Errors are printed to stderr as: error: <type> (<code>): <message>");

  add_status_command(app, ctx);
  add_dataset_commands(app, ctx);
  add_record_commands(app, ctx);
  add_version_commands(app, ctx);
  add_admin_commands(app, ctx);
  add_crypto_commands(app, ctx);
  add_backup_commands(app, ctx);
  add_scan_command(app, ctx);
  add_anonymize_command(app, ctx);
  add_pii_commands(app, ctx);
}

}  // namespace vault::cli
