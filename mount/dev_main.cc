// strata-mountdev: app/main.cc plus the mount commands, linked with a server that serves the
// inode routes. For the mount's end-to-end tests until the `strata` binary wires both.
#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "common/exit_code.h"
#include "mount/commands.h"
#include "server/commands.h"

int main(int argc, char** argv) {
  CLI::App app{"Strata (mount development build)"};
  app.require_subcommand(1);
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
