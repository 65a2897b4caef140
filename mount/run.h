// The three commands of the mount, as plain functions (mount/commands.cc gives them a command
// line): run a mount, unmount one, warm the cache of mounted files.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "mount/strata_fs.h"

namespace strata::mount {

struct MountOptions {
  MountConfig config;
  std::string mountpoint;
  std::string url;          // server, e.g. http://127.0.0.1:7070
  std::string token;
  std::string cache_dir;    // "" = default (see defaultCacheDir)
  uint64_t cache_size = 10ull << 30;
  bool foreground = false;
  std::string log_file;     // where a background mount logs ("" = nowhere)
  bool debug = false;       // libfuse request tracing
};

// Mounts and serves until unmounted or SIGTERM/SIGINT; in the background unless `foreground`
// (the call returns in the parent once the mount is usable). Returns the process exit code.
int runMount(const MountOptions& options);
// Unmounts MOUNTPOINT and waits (bounded) for its mount process to finish flushing and exit.
int runUmount(const std::string& mountpoint);
// Reads every file under `paths` through the mount so their chunks land in its cache.
int runCacheWarm(const std::vector<std::string>& paths, int threads, bool quiet);

// "10G", "512M", "1.5GiB", "4096" -> bytes; kInvalidArgument otherwise.
Result<uint64_t> parseSize(std::string_view text);
// $XDG_CACHE_HOME/strata/mount/<fs>, else ~/.cache/strata/mount/<fs>, else /var/cache/strata/<fs>.
std::string defaultCacheDir(const std::string& fs);
// Where the mount process of `mountpoint` records its pid.
std::string pidFilePath(const std::string& mountpoint);

}  // namespace strata::mount
