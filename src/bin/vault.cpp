// The vault CLI: a client of vaultd's HTTP API (see `vault --help`).
#include "cli/commands.hpp"
#include "vault/core/error.hpp"

#include <iostream>
#include <string>

int main(int argc, char** argv) {
  // Kept outside the CLI tree: used by the docs generator and its drift test.
  if (argc > 1 && std::string(argv[1]) == "error-codes") {
    std::cout << vault::render_error_code_docs();
    return 0;
  }
  vault::cli::http_global_init();
  vault::cli::Context ctx;
  CLI::App app{"vault"};
  vault::cli::build_cli(app, ctx);
  app.add_subcommand("error-codes", "Print the error-code table (docs/error-codes.md)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return vault::cli::exit_code::usage;
  }
  if (!ctx.action) return vault::cli::exit_code::usage;
  try {
    return ctx.action();
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << '\n';
    return vault::cli::exit_code::generic;
  }
}
