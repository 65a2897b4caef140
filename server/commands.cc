// `strata server` (run), `strata server fsck` and `strata server gc`.
#include "server/commands.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <malloc.h>
#include <memory>
#include <pthread.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <thread>

#include "common/exit_code.h"
#include "common/log.h"
#include "server/gc.h"
#include "server/server.h"
#include "server/storage.h"

namespace strata::server {
namespace {

struct RunArgs {
  ServerOptions options;
  std::string log_level = "info";
};

struct OfflineArgs {
  std::string data_dir;
  int64_t grace_seconds = 3600;
  std::string workspace = std::string(kDefaultWorkspace);
};

int fail(std::string_view what, const Status& st) {
  std::fprintf(stderr, "strata server%s%.*s: %s\n", what.empty() ? "" : " ",
               static_cast<int>(what.size()), what.data(), st.toString().c_str());
  return 1;
}

// glibc gives a process up to 8 malloc arenas per core, and the server's many request, I/O and
// engine threads each settle on one; freed chunk-sized buffers then sit in whichever arena freed
// them. Measured on the S3 benchmark (16 clients, 1 MiB and 256 MiB objects): peak RSS 173 ->
// 133 MiB with one arena per core and no throughput change, which keeps the 256 MiB
// budget with room. MALLOC_ARENA_MAX in the environment still wins (glibc reads it first).
void limitMallocArenas() {
  if (std::getenv("MALLOC_ARENA_MAX") != nullptr) return;
  const unsigned cores = std::clamp(std::thread::hardware_concurrency(), 2u, 8u);
  mallopt(M_ARENA_MAX, static_cast<int>(cores));
}

int runServer(const RunArgs& args) {
  limitMallocArenas();  // before any thread starts
  initLogging(args.log_level);
  // Block the shutdown signals in every thread (threads inherit the mask) and take them with
  // sigwait() here, so shutdown runs as ordinary code on the main thread.
  std::signal(SIGPIPE, SIG_IGN);
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto server = Server::start(args.options);
  if (!server.ok()) return fail("", server.status());
  std::printf("strata server listening on %s\n", (*server)->url().c_str());
  if ((*server)->s3Port() != 0) {
    const std::string& sl = args.options.s3_listen;
    std::printf("strata server s3 listening on http://%s:%u\n", sl.substr(0, sl.rfind(':')).c_str(),
                (*server)->s3Port());
  }
  if ((*server)->respPort() != 0) {
    const std::string& rl = args.options.resp_listen;
    std::printf("strata server resp listening on redis://%s:%u\n", rl.substr(0, rl.rfind(':')).c_str(),
                (*server)->respPort());
  }
  std::printf("admin token %s %s\n", (*server)->createdAdminToken() ? "created in" : "is in",
              (*server)->adminTokenPath().c_str());
  std::fflush(stdout);

  int sig = 0;
  while (sigwait(&signals, &sig) != 0) {
  }
  spdlog::info("received {}, shutting down", sig == SIGTERM ? "SIGTERM" : "SIGINT");
  (*server)->stop();
  return 0;
}

Status requireExisting(const std::string& dir) {
  struct stat st {};
  if (::stat((dir + "/meta").c_str(), &st) != 0) {
    return notFound("no Strata data directory at ", dir);
  }
  return Status::OK();
}

int runFsck(const OfflineArgs& args) {
  initLogging("warn");
  if (Status st = requireExisting(args.data_dir); !st.ok()) return fail("fsck", st);
  auto storage = openStorage(args.data_dir, fs::ServiceOptions{});
  if (!storage.ok()) return fail("fsck", storage.status());
  auto report = storage->service->chunks().fsck();
  if (!report.ok()) return fail("fsck", report.status());
  for (const auto& problem : report->problems) std::printf("fsck: problem: %s\n", problem.c_str());
  if (!report->problems.empty()) {
    std::printf("fsck: %zu problem(s) found (%llu inodes, %llu chunks referenced)\n",
                report->problems.size(), static_cast<unsigned long long>(report->inodes),
                static_cast<unsigned long long>(report->chunks_referenced));
    return 1;
  }
  std::printf("fsck: ok (%llu inodes, %llu chunks referenced)\n",
              static_cast<unsigned long long>(report->inodes),
              static_cast<unsigned long long>(report->chunks_referenced));
  return 0;
}

int runGc(const OfflineArgs& args) {
  initLogging("warn");
  if (Status st = requireExisting(args.data_dir); !st.ok()) return fail("gc", st);
  fs::ServiceOptions options;
  options.gc_grace_seconds = args.grace_seconds;
  auto storage = openStorage(args.data_dir, options);
  if (!storage.ok()) return fail("gc", storage.status());
  // Offline: no upload can be in flight, so pins of dead uploads do not keep chunks alive.
  auto stats = runCollectorPass(storage->service->chunks(), /*ignore_pins=*/true);
  if (!stats.ok()) return fail("gc", stats.status());
  std::printf("gc: deleted %llu chunks (%llu bytes), %llu orphans found\n",
              static_cast<unsigned long long>(stats->chunks_deleted),
              static_cast<unsigned long long>(stats->bytes_deleted),
              static_cast<unsigned long long>(stats->orphans_found));
  return 0;
}

// Lists every stored chunk of one workspace, whichever tier holds it: "<id hex> <size>" a line.
int runChunks(const OfflineArgs& args) {
  initLogging("warn");
  if (Status st = requireExisting(args.data_dir); !st.ok()) return fail("chunks", st);
  auto storage = openStorage(args.data_dir, fs::ServiceOptions{});
  if (!storage.ok()) return fail("chunks", storage.status());
  Status st = storage->store->list(args.workspace, [](const blob::ChunkInfo& info) {
    std::printf("%s %llu\n", info.id.hex().c_str(), static_cast<unsigned long long>(info.size));
    return true;
  });
  if (!st.ok()) return fail("chunks", st);
  return 0;
}

}  // namespace

void registerCommands(CLI::App& app) {
  auto run = std::make_shared<RunArgs>();
  auto offline = std::make_shared<OfflineArgs>();

  CLI::App* server = app.add_subcommand("server", "Run the Strata server on a data directory");
  server->require_subcommand(0, 1);
  server->add_option("--data", run->options.data_dir, "Data directory (metadata, chunks, admin token)");
  server->add_option("--listen", run->options.listen, "Address to listen on, HOST:PORT (port 0: any free port)")
      ->capture_default_str();
  server->add_option("--gc-interval-seconds", run->options.gc_interval_seconds,
                     "Seconds between collector passes (0: no background collector)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  server->add_option("--gc-grace-seconds", run->options.gc_grace_seconds,
                     "Unreferenced chunks are kept at least this long")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  server->add_option("--s3-listen", run->options.s3_listen,
                     "Also serve object storage over the S3 protocol on HOST:PORT");
  server->add_option("--resp-listen", run->options.resp_listen,
                     "Also serve the key-value store over the Redis protocol on HOST:PORT");
  server->add_option("--resp-io-threads", run->options.resp_io_threads,
                     "I/O threads of the Redis-protocol listener (0: half the CPU cores, 1 to 8)")
      ->capture_default_str()
      ->check(CLI::Range(size_t{0}, size_t{64}));
  server->add_option("--kv-max-namespaces", run->options.kv_max_namespaces,
                     "Soft limit of key-value namespaces per workspace")
      ->capture_default_str();
  server->add_flag("--kv-sync", run->options.kv_sync,
                   "fsync every KV and queue write (default: buffered, synced every second, like Redis "
                   "appendfsync everysec; always safe against kill -9)");
  server->add_option("--small-chunk-max", run->options.small_chunk_max,
                     "Chunks up to SIZE (e.g. 64K, 1M) are stored in the metadata database instead of "
                     "one file each: no file create and no fsync of their own (0: every chunk a file)")
      ->capture_default_str()
      ->transform(CLI::AsSizeValue(false).description(""))
      ->check(CLI::Range(uint64_t{0}, uint64_t{4} << 20).description(""))
      ->type_name("SIZE");
  server->add_option("--log-level", run->log_level, "trace, debug, info, warn, error or off")
      ->capture_default_str()
      ->check([](const std::string& v) {
        return isLogLevel(v) ? std::string() : "unknown log level: " + v;
      });

  CLI::App* fsck = server->add_subcommand("fsck", "Check the consistency of a stopped server's data");
  fsck->add_option("--data", offline->data_dir, "Data directory")->required();
  fsck->callback([offline] { setExitCode(runFsck(*offline)); });

  CLI::App* gc = server->add_subcommand("gc", "Delete unreferenced chunks of a stopped server's data");
  gc->add_option("--data", offline->data_dir, "Data directory")->required();
  gc->add_option("--grace-seconds", offline->grace_seconds,
                 "Only chunks unreferenced for at least this long are deleted")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  gc->callback([offline] { setExitCode(runGc(*offline)); });

  CLI::App* chunks = server->add_subcommand("chunks", "List the stored chunks of a stopped server's data");
  chunks->add_option("--data", offline->data_dir, "Data directory")->required();
  chunks->add_option("--workspace", offline->workspace, "Workspace whose chunks to list")->capture_default_str();
  chunks->callback([offline] { setExitCode(runChunks(*offline)); });

  server->callback([server, fsck, gc, chunks, run] {
    if (fsck->parsed() || gc->parsed() || chunks->parsed()) return;
    if (run->options.data_dir.empty()) {
      std::fprintf(stderr, "strata server: --data DIR is required\n");
      setExitCode(1);
      return;
    }
    setExitCode(runServer(*run));
  });
}

}  // namespace strata::server
