#include "cli/config.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "client/chunking.h"

namespace strata::cli {

EnvLookup processEnv() {
  return [](const char* name) -> std::optional<std::string> {
    const char* v = std::getenv(name);
    if (v == nullptr || *v == '\0') return std::nullopt;
    return std::string(v);
  };
}

Result<std::string> configPath(const EnvLookup& env) {
  if (auto xdg = env("XDG_CONFIG_HOME")) return *xdg + "/strata/config.json";
  if (auto home = env("HOME")) return *home + "/.config/strata/config.json";
  return invalidArgument("cannot find the config directory: neither XDG_CONFIG_HOME nor HOME is set");
}

Result<Config> readConfigFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (errno == ENOENT) return Config{};
    return ioError("cannot read ", path, ": ", std::strerror(errno));
  }
  std::stringstream ss;
  ss << in.rdbuf();
  auto j = nlohmann::json::parse(ss.str(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) return invalidArgument("config file ", path, " is not a JSON object");
  Config c;
  if (auto u = j.find("url"); u != j.end() && u->is_string()) c.url = u->get<std::string>();
  if (auto t = j.find("token"); t != j.end() && t->is_string()) c.token = t->get<std::string>();
  return c;
}

namespace {

Status makeDirs(const std::string& dir) {
  for (size_t pos = 1; pos <= dir.size(); ++pos) {
    if (pos != dir.size() && dir[pos] != '/') continue;
    const std::string part = dir.substr(0, pos);
    if (::mkdir(part.c_str(), 0700) != 0 && errno != EEXIST) {
      return ioError("cannot create ", part, ": ", std::strerror(errno));
    }
  }
  return Status::OK();
}

}  // namespace

Status writeConfigFile(const std::string& path, const Config& config) {
  const auto slash = path.rfind('/');
  if (slash != std::string::npos && slash > 0) RETURN_IF_ERROR(makeDirs(path.substr(0, slash)));
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  const std::string body = nlohmann::json{{"url", config.url}, {"token", config.token}}.dump(2) + "\n";
  // O_EXCL + 0600 from the start: the secret is never in a file others could open.
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return ioError("cannot write ", tmp, ": ", std::strerror(errno));
  Status st = client::writeExact(fd, 0, body, tmp);
  if (st.ok() && ::fsync(fd) != 0) st = ioError("cannot sync ", tmp, ": ", std::strerror(errno));
  ::close(fd);
  if (st.ok() && ::rename(tmp.c_str(), path.c_str()) != 0) {
    st = ioError("cannot replace ", path, ": ", std::strerror(errno));
  }
  if (!st.ok()) ::unlink(tmp.c_str());
  return st;
}

Result<Config> resolveConfig(const EnvLookup& env) {
  Config c;
  auto path = configPath(env);
  if (path.ok()) {
    ASSIGN_OR_RETURN(c, readConfigFile(*path));
  }
  if (auto u = env("STRATA_URL")) c.url = *u;
  if (auto t = env("STRATA_TOKEN")) c.token = *t;
  if (c.url.empty()) c.url = kDefaultUrl;
  ASSIGN_OR_RETURN(c.url, normalizeServerUrl(c.url));
  return c;
}

Result<std::string> normalizeServerUrl(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  const bool http = url.rfind("http://", 0) == 0;
  const bool https = url.rfind("https://", 0) == 0;
  const size_t host_start = http ? 7 : https ? 8 : 0;
  if (!(http || https) || url.size() <= host_start || url.find_first_of(" \t\r\n") != std::string::npos) {
    return invalidArgument("bad server URL \"", url, "\": expected http://HOST[:PORT]");
  }
  return url;
}

}  // namespace strata::cli
