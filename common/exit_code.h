// The process exit code chosen by the subcommand that ran. Subcommand callbacks run inside
// CLI::App::parse, so they record their result here and app/main.cc returns it.
#pragma once

namespace strata {
void setExitCode(int code);
int exitCode();
}  // namespace strata
