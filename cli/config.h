// Where the CLI finds its server and token. Precedence, highest first: the STRATA_URL and
// STRATA_TOKEN environment variables, the config file written by `strata login`
// ($XDG_CONFIG_HOME/strata/config.json, else ~/.config/strata/config.json), the default URL
// http://127.0.0.1:7070. The file holds a secret, so it is written with mode 0600 (its directory
// 0700) through a temp file + rename: never half-written, never readable by others.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "common/status.h"

namespace strata::cli {

constexpr char kDefaultUrl[] = "http://127.0.0.1:7070";

struct Config {
  std::string url;
  std::string token;
};

using EnvLookup = std::function<std::optional<std::string>(const char*)>;
EnvLookup processEnv();

// The config file's path; kInvalidArgument when neither XDG_CONFIG_HOME nor HOME is set.
Result<std::string> configPath(const EnvLookup& env);
// The file's settings; empty fields when it does not exist. A file that cannot be parsed is an
// error naming it.
Result<Config> readConfigFile(const std::string& path);
Status writeConfigFile(const std::string& path, const Config& config);
// The effective settings (see precedence above). `token` may be empty: callers that need one say
// how to get it.
Result<Config> resolveConfig(const EnvLookup& env);

// Checks a URL the user typed: http:// or https:// and a host. Returns it without trailing '/'.
Result<std::string> normalizeServerUrl(std::string url);

}  // namespace strata::cli
