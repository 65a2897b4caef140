#include "cli/commands.h"

#include "cli/registry.h"

namespace strata::cli {

void registerCommands(CLI::App& app) {
  registerLoginCommand(app);
  registerStorageCommands(app);
  registerTokenCommands(app);
  registerKvCommands(app);
  registerQueueCommands(app);
  registerObjectCommands(app);
}

}  // namespace strata::cli
