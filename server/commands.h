// Registers `strata server ...` (run, fsck, gc) on the top-level command line.
#pragma once

namespace CLI {
class App;
}

namespace strata::server {
void registerCommands(CLI::App& app);
}  // namespace strata::server
