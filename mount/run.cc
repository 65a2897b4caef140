#define FUSE_USE_VERSION 35
#include "mount/run.h"

#include <fuse3/fuse_lowlevel.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

#include "common/sha256.h"

namespace strata::mount {
namespace {

namespace sfs = std::filesystem;

std::string envOr(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::string(v) : fallback;
}

void writePidFile(const std::string& path) {
  std::error_code ec;
  sfs::create_directories(sfs::path(path).parent_path(), ec);
  std::ofstream(path) << ::getpid() << "\n";
}

}  // namespace

Result<uint64_t> parseSize(std::string_view text) {
  std::string t(text);
  if (t.empty()) return invalidArgument("empty size");
  size_t pos = 0;
  double value = 0;
  try {
    value = std::stod(t, &pos);
  } catch (...) {
    return invalidArgument("not a size: ", text);
  }
  std::string unit = t.substr(pos);
  if (!unit.empty() && (unit.back() == 'B' || unit.back() == 'b')) unit.pop_back();
  if (!unit.empty() && unit.back() == 'i') unit.pop_back();
  double mult = 1;
  if (unit.empty()) {
    mult = 1;
  } else if (unit == "K" || unit == "k") {
    mult = 1024.0;
  } else if (unit == "M" || unit == "m") {
    mult = 1024.0 * 1024;
  } else if (unit == "G" || unit == "g") {
    mult = 1024.0 * 1024 * 1024;
  } else if (unit == "T" || unit == "t") {
    mult = 1024.0 * 1024 * 1024 * 1024;
  } else {
    return invalidArgument("unknown size unit in ", text, " (use K, M, G or T)");
  }
  if (value < 0 || !std::isfinite(value)) return invalidArgument("not a size: ", text);
  return static_cast<uint64_t>(value * mult);
}

std::string defaultCacheDir(const std::string& fs) {
  std::string xdg = envOr("XDG_CACHE_HOME", "");
  if (!xdg.empty()) return xdg + "/strata/mount/" + fs;
  std::string home = envOr("HOME", "");
  if (!home.empty()) return home + "/.cache/strata/mount/" + fs;
  return "/var/cache/strata/" + fs;
}

std::string pidFilePath(const std::string& mountpoint) {
  std::string dir = ::geteuid() == 0 ? "/run/strata" : envOr("XDG_RUNTIME_DIR", "/tmp/strata-" + std::to_string(::geteuid()));
  if (::geteuid() != 0 && std::getenv("XDG_RUNTIME_DIR")) dir += "/strata";
  // Lexical only: touching the mountpoint could block on the mount itself.
  std::error_code ec;
  std::string normal = sfs::absolute(mountpoint, ec).lexically_normal().string();
  while (normal.size() > 1 && normal.back() == '/') normal.pop_back();
  return dir + "/mount-" + Sha256::of(normal).hex().substr(0, 16) + ".pid";
}

int runMount(const MountOptions& o) {
  std::error_code ec;
  const std::string mountpoint = sfs::canonical(o.mountpoint, ec).string();
  if (ec || !sfs::is_directory(mountpoint)) {
    std::fprintf(stderr, "strata mount: %s is not a directory\n", o.mountpoint.c_str());
    return 2;
  }
  std::string cache_dir = o.cache_dir.empty() ? defaultCacheDir(o.config.fs) : o.cache_dir;
  cache_dir = sfs::absolute(cache_dir, ec).string();  // the daemon runs from "/"
  auto cache = ChunkCache::open(cache_dir, o.cache_size);
  if (!cache.ok()) {
    std::fprintf(stderr, "strata mount: %s\n", cache.status().toString().c_str());
    return 1;
  }

  client::HttpClient::Options http_options;
  http_options.base_url = o.url;
  http_options.token = o.token;
  http_options.max_attempts = 5;
  http_options.max_idle_handles = 128;
  client::HttpClient http(http_options);
  StrataFs strata(http, o.config, std::move(cache).value());
  if (Status st = strata.connect(); !st.ok()) {
    std::fprintf(stderr, "strata mount: %s\n", st.toString().c_str());
    return 1;
  }

  std::vector<std::string> argv_s = {"strata-mount", "-o",
                                     "default_permissions,fsname=strata:" + o.config.fs + ",subtype=strata"};
  if (::geteuid() == 0) argv_s.push_back("-oallow_other");
  if (o.config.read_only) argv_s.push_back("-oro");
  if (o.debug) argv_s.push_back("-d");
  std::vector<char*> argv;
  for (auto& a : argv_s) argv.push_back(a.data());
  fuse_args args = FUSE_ARGS_INIT(static_cast<int>(argv.size()), argv.data());
  fuse_session* se = fuse_session_new(&args, &StrataFs::operations(), sizeof(fuse_lowlevel_ops), &strata);
  if (se == nullptr) {
    std::fprintf(stderr, "strata mount: cannot create the FUSE session\n");
    return 1;
  }
  if (fuse_set_signal_handlers(se) != 0 || fuse_session_mount(se, mountpoint.c_str()) != 0) {
    std::fprintf(stderr, "strata mount: cannot mount at %s (is /dev/fuse available, and the directory not already a mount?)\n",
                 mountpoint.c_str());
    fuse_session_destroy(se);
    return 1;
  }
  std::fprintf(stderr, "mounted strata:%s%s at %s\n", o.config.fs.c_str(),
               o.config.subdir == "/" ? "" : (":" + o.config.subdir).c_str(), mountpoint.c_str());
  std::fflush(stderr);
  // Threads start only after the fork of fuse_daemonize (a fork keeps only the calling thread).
  const std::string pid_file = pidFilePath(mountpoint);
  fuse_daemonize(o.foreground ? 1 : 0);
  if (!o.foreground && !o.log_file.empty()) {
    if (std::freopen(o.log_file.c_str(), "a", stderr) == nullptr) {
      // Nowhere to log; keep running.
    }
  }
  writePidFile(pid_file);
  strata.start(se);
  spdlog::info("serving strata:{} at {} (pid {})", o.config.fs, mountpoint, ::getpid());

  fuse_loop_config loop{};
  loop.clone_fd = 0;
  loop.max_idle_threads = 32;
  int rc = fuse_session_loop_mt(se, &loop);

  // Unmounted or signalled: publish everything still buffered before exiting.
  Status st = strata.shutdown();
  fuse_session_unmount(se);
  fuse_remove_signal_handlers(se);
  fuse_session_destroy(se);
  ::unlink(pid_file.c_str());
  spdlog::info("mount of {} ended{}", mountpoint, st.ok() ? "" : " with unsaved data: " + st.toString());
  return st.ok() && rc == 0 ? 0 : 1;
}

int runUmount(const std::string& mountpoint_arg) {
  std::error_code ec;
  std::string mountpoint = sfs::absolute(mountpoint_arg, ec).lexically_normal().string();
  while (mountpoint.size() > 1 && mountpoint.back() == '/') mountpoint.pop_back();
  const std::string pid_file = pidFilePath(mountpoint);
  pid_t pid = 0;
  {
    std::ifstream in(pid_file);
    in >> pid;
  }
  pid_t child = ::fork();
  if (child == 0) {
    ::execlp("fusermount3", "fusermount3", "-u", mountpoint.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  int status = 0;
  ::waitpid(child, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::fprintf(stderr, "strata umount: fusermount3 -u %s failed\n", mountpoint.c_str());
    return 1;
  }
  // Wait for the mount process to finish its final flush.
  if (pid > 0) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (::kill(pid, 0) == 0 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  return 0;
}

int runCacheWarm(const std::vector<std::string>& paths, int threads, bool quiet) {
  std::vector<std::pair<std::string, uint64_t>> files;
  uint64_t total = 0;
  for (const auto& p : paths) {
    std::error_code ec;
    auto status = sfs::symlink_status(p, ec);
    if (ec) {
      std::fprintf(stderr, "strata cache warm: %s: %s\n", p.c_str(), ec.message().c_str());
      return 1;
    }
    if (sfs::is_regular_file(status)) {
      uint64_t size = sfs::file_size(p, ec);
      files.emplace_back(p, size);
      total += size;
      continue;
    }
    if (!sfs::is_directory(status)) continue;
    for (auto it = sfs::recursive_directory_iterator(p, ec); !ec && it != sfs::recursive_directory_iterator();
         it.increment(ec)) {
      if (it->is_regular_file(ec) && !it->is_symlink(ec)) {
        uint64_t size = it->file_size(ec);
        files.emplace_back(it->path().string(), size);
        total += size;
      }
    }
    if (ec) {
      std::fprintf(stderr, "strata cache warm: %s: %s\n", p.c_str(), ec.message().c_str());
      return 1;
    }
  }
  std::atomic<size_t> next{0};
  std::atomic<uint64_t> done_bytes{0};
  std::atomic<size_t> done_files{0};
  std::atomic<int> failures{0};
  std::mutex err_mu;
  auto worker = [&] {
    std::vector<char> buf(1 << 20);
    for (size_t i = next++; i < files.size(); i = next++) {
      FILE* f = std::fopen(files[i].first.c_str(), "rb");
      if (f == nullptr) {
        std::lock_guard lock(err_mu);
        std::fprintf(stderr, "strata cache warm: cannot read %s\n", files[i].first.c_str());
        ++failures;
        ++done_files;
        continue;
      }
      size_t n;
      while ((n = std::fread(buf.data(), 1, buf.size(), f)) > 0) done_bytes += n;
      if (std::ferror(f)) {
        std::lock_guard lock(err_mu);
        std::fprintf(stderr, "strata cache warm: read error in %s\n", files[i].first.c_str());
        ++failures;
      }
      std::fclose(f);
      ++done_files;
    }
  };
  std::vector<std::thread> pool;
  for (int i = 0; i < std::max(1, threads); ++i) pool.emplace_back(worker);
  auto print = [&](bool final) {
    if (quiet) return;
    std::fprintf(stderr, "\rwarm: %zu/%zu files, %.1f/%.1f MiB%s", done_files.load(), files.size(),
                 done_bytes.load() / 1048576.0, total / 1048576.0, final ? "\n" : "");
    std::fflush(stderr);
  };
  while (done_files.load() < files.size()) {
    print(false);
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  for (auto& t : pool) t.join();
  print(true);
  return failures.load() ? 1 : 0;
}

}  // namespace strata::mount
