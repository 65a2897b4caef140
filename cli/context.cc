#include "cli/context.h"

#include <cstdio>
#include <exception>

#include "common/exit_code.h"

namespace strata::cli {

std::unique_ptr<client::Client> connectWith(const Config& config) {
  client::Client::Options o;
  o.url = config.url;
  o.token = config.token;
  return std::make_unique<client::Client>(std::move(o));
}

Result<std::unique_ptr<client::Client>> connect() {
  ASSIGN_OR_RETURN(Config config, resolveConfig(processEnv()));
  if (config.token.empty()) {
    return Status(Code::kUnauthenticated, "no token configured: run `strata login --url URL --token TOKEN` or set STRATA_TOKEN");
  }
  return connectWith(config);
}

std::string errorLine(const Status& status) {
  std::string line = status.message().empty() ? std::string(codeName(status.code())) : status.message();
  for (char& c : line) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return line;
}

void runCommand(const std::function<Status()>& body) {
  Status st;
  try {
    st = body();
  } catch (const std::exception& e) {  // e.g. std::bad_alloc: still one readable line
    st = Status(Code::kInternal, e.what());
  }
  std::fflush(stdout);
  if (!st.ok()) {
    std::fprintf(stderr, "strata: %s\n", errorLine(st).c_str());
    setExitCode(1);
  }
}

void warn(const std::string& message) { std::fprintf(stderr, "strata: warning: %s\n", message.c_str()); }

}  // namespace strata::cli
