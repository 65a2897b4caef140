// Internal to cli/: each group of subcommands registers itself; commands.cc calls them all.
#pragma once

namespace CLI {
class App;
}

namespace strata::cli {
void registerStorageCommands(CLI::App& app);
void registerTokenCommands(CLI::App& app);
void registerLoginCommand(CLI::App& app);
void registerKvCommands(CLI::App& app);
void registerQueueCommands(CLI::App& app);
void registerObjectCommands(CLI::App& app);
}  // namespace strata::cli
