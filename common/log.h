// Process-wide logging setup. Code logs with spdlog directly (spdlog::info(...)); this only
// configures the default logger once at startup: one stderr sink, a compact pattern with
// time, level and thread id, and the minimum level.
#pragma once

#include <string_view>

namespace strata {

// True when `level` names a log level initLogging accepts: trace, debug, info, warn (or
// warning), error, off; case-insensitive. Lets a command line reject a bad --log-level.
bool isLogLevel(std::string_view level);

// Configures the default spdlog logger to write to stderr at `level`. An unknown level name
// falls back to info and logs a warning saying so. Call from main() before starting threads;
// calling it again later only changes the level.
void initLogging(std::string_view level);

}  // namespace strata
