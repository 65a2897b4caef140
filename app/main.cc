// The one `strata` binary: every role is a subcommand. Each layer registers its own
// subcommands (server/commands.h, cli/commands.h) so this file only wires them together.
#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "common/exit_code.h"
#include "mount/commands.h"
#include "server/commands.h"

int main(int argc, char** argv) {
  CLI::App app{"Strata: persistent, shared storage for AI workloads"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "strata 0.1.0");
  strata::server::registerCommands(app);
  strata::cli::registerCommands(app);
  strata::mount::registerMountCommands(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  return strata::exitCode();
}
