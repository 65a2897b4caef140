// `strata login`: checks a URL and token against the server and saves them for later commands.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <memory>

#include "cli/config.h"
#include "cli/context.h"
#include "cli/registry.h"

namespace strata::cli {

void registerLoginCommand(CLI::App& app) {
  struct Args {
    std::string url;
    std::string token;
  };
  auto args = std::make_shared<Args>();
  auto* cmd = app.add_subcommand(
      "login",
      "Check a server URL and token (GET /api/v1/whoami) and save them to\n"
      "~/.config/strata/config.json (mode 0600). STRATA_URL and STRATA_TOKEN override the file.");
  cmd->add_option("--url", args->url, std::string("server URL (default: STRATA_URL, the saved one, or ") + kDefaultUrl + ")");
  cmd->add_option("--token", args->token, "API token (default: STRATA_TOKEN)");
  cmd->callback([args] {
    runCommand([&]() -> Status {
      const EnvLookup env = processEnv();
      ASSIGN_OR_RETURN(Config config, resolveConfig(env));
      if (!args->url.empty()) {
        ASSIGN_OR_RETURN(config.url, normalizeServerUrl(args->url));
      }
      if (!args->token.empty()) config.token = args->token;
      if (config.token.empty()) return invalidArgument("no token given: pass --token TOKEN");
      ASSIGN_OR_RETURN(client::WhoAmI who, connectWith(config)->whoami());
      ASSIGN_OR_RETURN(std::string path, configPath(env));
      RETURN_IF_ERROR(writeConfigFile(path, config));
      std::printf("logged in to %s as %s (workspace %s%s%s); saved to %s\n", config.url.c_str(),
                  who.name.empty() ? who.id.c_str() : who.name.c_str(), who.workspace.c_str(),
                  who.admin ? ", admin" : "", who.read_only ? ", read-only" : "", path.c_str());
      return Status::OK();
    });
  });
}

}  // namespace strata::cli
