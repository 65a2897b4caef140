#include "mount/commands.h"

#include <CLI/CLI.hpp>

#include <cstdio>

#include "cli/config.h"
#include "common/exit_code.h"
#include "common/log.h"
#include "mount/run.h"

namespace strata::mount {
namespace {

struct MountArgs {
  MountOptions options;
  std::string cache_size = "10G";
  std::string buffer_size = "256M";
  double lease_seconds = 15;
  std::string log_level = "info";
};

void mountCallback(MountArgs& a) {
  auto config = cli::resolveConfig(cli::processEnv());
  if (!config.ok()) {
    std::fprintf(stderr, "strata mount: %s\n", config.status().toString().c_str());
    return setExitCode(2);
  }
  if (config->token.empty()) {
    std::fprintf(stderr, "strata mount: no token: set STRATA_TOKEN or run `strata login`\n");
    return setExitCode(2);
  }
  auto cache_size = parseSize(a.cache_size);
  auto buffer = parseSize(a.buffer_size);
  if (!cache_size.ok() || !buffer.ok()) {
    std::fprintf(stderr, "strata mount: %s\n",
                 (!cache_size.ok() ? cache_size.status() : buffer.status()).toString().c_str());
    return setExitCode(2);
  }
  if (a.lease_seconds < 1 || a.lease_seconds > 3600) {
    std::fprintf(stderr, "strata mount: --lease must be 1..3600 seconds\n");
    return setExitCode(2);
  }
  if (a.options.config.subdir.empty() || a.options.config.subdir[0] != '/') {
    a.options.config.subdir = "/" + a.options.config.subdir;
  }
  while (a.options.config.subdir.size() > 1 && a.options.config.subdir.back() == '/') {
    a.options.config.subdir.pop_back();
  }
  initLogging(a.log_level);
  a.options.url = config->url;
  a.options.token = config->token;
  a.options.cache_size = *cache_size;
  a.options.config.dirty_limit = std::max<uint64_t>(*buffer, 8ull << 20);
  a.options.config.lease_ms = static_cast<int64_t>(a.lease_seconds * 1000);
  setExitCode(runMount(a.options));
}

}  // namespace

void registerMountCommands(CLI::App& app) {
  auto args = std::make_shared<MountArgs>();
  CLI::App* mount = app.add_subcommand("mount", "Mount a Strata file system (FUSE)");
  mount->add_option("--fs", args->options.config.fs, "File system name")->capture_default_str();
  mount->add_option("--subdir", args->options.config.subdir, "Mount only this directory of the file system");
  mount->add_flag("--read-only", args->options.config.read_only, "Refuse every change (EROFS)");
  mount->add_option("--cache-dir", args->options.cache_dir, "Local chunk cache directory");
  mount->add_option("--cache-size", args->cache_size, "Chunk cache capacity (e.g. 10G)")->capture_default_str();
  mount->add_option("--write-buffer", args->buffer_size, "Memory for unsent writes (e.g. 256M)")->capture_default_str();
  mount->add_option("--lease", args->lease_seconds,
                    "Session lease in seconds: locks of a dead mount are released after this long")
      ->capture_default_str();
  mount->add_option("--attr-timeout", args->options.config.attr_timeout, "Seconds the kernel caches attributes")
      ->capture_default_str();
  mount->add_option("--negative-timeout", args->options.config.negative_timeout,
                    "Seconds a name may be answered 'absent' without asking the server, in a directory this "
                    "mount made and creates files in; a name another node adds there is seen after at most "
                    "this long (0: always ask)")
      ->capture_default_str();
  mount->add_flag("-f,--foreground", args->options.foreground, "Stay in the foreground");
  mount->add_option("--log-file", args->options.log_file, "Log file of a background mount");
  mount->add_option("--log-level", args->log_level, "trace, debug, info, warn, error")->capture_default_str();
  mount->add_flag("--fuse-debug", args->options.debug, "Trace every FUSE request");
  mount->add_option("MOUNTPOINT", args->options.mountpoint, "Directory to mount on")->required();
  mount->callback([args] { mountCallback(*args); });

  auto umount_point = std::make_shared<std::string>();
  CLI::App* umount = app.add_subcommand("umount", "Unmount a Strata mount (after it flushed everything)");
  umount->add_option("MOUNTPOINT", *umount_point, "Mounted directory")->required();
  umount->callback([umount_point] { setExitCode(runUmount(*umount_point)); });

  struct WarmArgs {
    std::vector<std::string> paths;
    int threads = 8;
    bool quiet = false;
  };
  auto warm_args = std::make_shared<WarmArgs>();
  CLI::App* cache = app.add_subcommand("cache", "The local chunk cache of mounts");
  cache->require_subcommand(1);
  CLI::App* warm = cache->add_subcommand("warm", "Pre-load files or folders of a mount into its local cache");
  warm->add_option("PATH", warm_args->paths, "Files or directories inside a Strata mount")->required();
  warm->add_option("-j,--jobs", warm_args->threads, "Parallel readers")->capture_default_str();
  warm->add_flag("-q,--quiet", warm_args->quiet, "No progress output");
  warm->callback([warm_args] { setExitCode(runCacheWarm(warm_args->paths, warm_args->threads, warm_args->quiet)); });
}

}  // namespace strata::mount
