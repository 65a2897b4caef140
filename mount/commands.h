// Registers `strata mount`, `strata umount` and `strata cache warm` on the top-level command
// line. Their callbacks run inside CLI::App::parse and record the exit code with
// strata::setExitCode (common/exit_code.h). Server and token come from STRATA_URL /
// STRATA_TOKEN or the CLI's saved login (cli/config.h).
#pragma once

namespace CLI {
class App;
}

namespace strata::mount {
void registerMountCommands(CLI::App& app);
}  // namespace strata::mount
