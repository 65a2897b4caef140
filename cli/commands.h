// Registers the client subcommands (`strata storage|token|login ...`) on the top-level
// command line. Their callbacks run inside CLI::App::parse and record the process exit code
// with strata::setExitCode (common/exit_code.h).
#pragma once

namespace CLI {
class App;
}

namespace strata::cli {
void registerCommands(CLI::App& app);
}  // namespace strata::cli
