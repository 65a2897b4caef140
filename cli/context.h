// What every client subcommand shares: connecting with the resolved config, and the one way
// errors reach the user (a single line "strata: <message>" on stderr and exit code 1).
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "cli/config.h"
#include "client/client.h"
#include "common/status.h"

namespace strata::cli {

// A client for the configured server; kUnauthenticated (with how to fix it) when no token is
// configured.
Result<std::unique_ptr<client::Client>> connect();
std::unique_ptr<client::Client> connectWith(const Config& config);

// Runs a subcommand body: a failing Status is printed as one line and sets exit code 1.
void runCommand(const std::function<Status()>& body);

// The one-line form of an error: its message with newlines folded ("strata: " is added by
// runCommand).
std::string errorLine(const Status& status);

// "strata: warning: ..." on stderr.
void warn(const std::string& message);

}  // namespace strata::cli
