// StrataFs: one FUSE mount of one Strata file system (or of a subdirectory of it), with the
// libfuse3 low-level operations. It owns the mount's client state: the metadata client, the
// chunk cache and source, open-file nodes, the client session (lease + heartbeats) that the
// server's locks belong to.
//
// Inode numbers: the kernel sees the server's inode numbers, except that the mounted
// directory is FUSE_ROOT_ID (1). Nothing is tracked per lookup (forget is a no-op): a node
// exists only while a file is open.
//
// Kernel caching: attributes and entries for `attr_timeout` seconds (negative lookups are not
// cached by the kernel; the mount answers those of names it knows are absent itself, for at
// most the same time: mount/known_dirs.h), page cache kept across opens while the file's version is unchanged. An open of
// changed contents and every lock grant drop the kernel's attributes; a lock grant drops the
// pages too unless they match the node's version (fuse_ops.cc revalidateAfterLock).
//
// Lifecycle: construct -> connect() (before daemonizing: errors reach the terminal) ->
// start() (threads; after daemonizing) -> the FUSE loop -> shutdown() (flushes everything).
// The operations run on libfuse's worker threads; every member they use is thread-safe.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <utility>

#include "client/http.h"
#include "common/status.h"
#include "mount/chunk_cache.h"
#include "mount/chunk_source.h"
#include "mount/file_node.h"
#include "mount/fresh_attrs.h"
#include "mount/known_dirs.h"
#include "mount/lookup_snapshots.h"
#include "mount/meta_client.h"
#include "mount/node_table.h"
#include "mount/worker_pool.h"

struct fuse_session;
struct fuse_lowlevel_ops;

namespace strata::mount {

struct MountConfig {
  std::string fs = "default";
  std::string subdir = "/";
  bool read_only = false;
  int64_t lease_ms = 15000;             // session lease; locks of a dead mount last this long
  double attr_timeout = 1.0;            // seconds the kernel trusts attributes and entries
  double negative_timeout = 1.0;        // seconds a known-absent name is answered locally (known_dirs.h)
  uint64_t dirty_limit = 256ull << 20;  // write buffers of all files before writers wait
  int fetch_threads = 8;                // readahead / warm downloads
  int upload_threads = 4;               // background chunk uploads
  int readahead_chunks = 4;             // 16 MiB ahead of a sequential reader
};

class StrataFs {
 public:
  StrataFs(const client::HttpClient& http, MountConfig config, std::unique_ptr<ChunkCache> cache);
  ~StrataFs();

  // Resolves the mounted directory and opens a session. No threads are started.
  Status connect();
  // Starts the worker threads and the heartbeat; `se` receives cache invalidations.
  void start(fuse_session* se);
  // Flushes every open file, stops the threads and ends the session. Returns the first
  // flush error (the data of that file stays unsaved).
  Status shutdown();

  static const fuse_lowlevel_ops& operations();

  // --- used by the operations (fuse_ops.cc) ---
  const MountConfig& config() const { return config_; }
  const MetaClient& meta() const { return meta_; }
  NodeTable& nodes() { return *nodes_; }
  FreshAttrs& freshAttrs() { return fresh_attrs_; }
  KnownDirs& knownDirs() { return known_dirs_; }
  LookupSnapshots& lookups() { return lookups_; }
  ChunkSource& source() { return *source_; }
  fuse_session* session() const { return se_; }
  uint64_t toServer(uint64_t fuse_ino) const;
  uint64_t toFuse(uint64_t server_ino) const;
  std::string sessionId();
  // Local bookkeeping of POSIX lock owners per inode, so close() unlocks only when needed.
  void notePosixOwner(uint64_t ino, uint64_t owner);
  bool takePosixOwner(uint64_t ino, uint64_t owner);

 private:
  void heartbeatLoop();

  const client::HttpClient& http_;
  const MountConfig config_;
  MetaClient meta_;
  std::unique_ptr<ChunkCache> cache_;
  DirtyBudget budget_;
  FreshAttrs fresh_attrs_;
  KnownDirs known_dirs_;
  LookupSnapshots lookups_;
  std::unique_ptr<ChunkSource> source_;
  std::unique_ptr<WorkerPool> uploads_;
  std::unique_ptr<NodeEnv> env_;
  std::unique_ptr<NodeTable> nodes_;
  uint64_t root_ = 1;  // server inode of the mounted directory
  fuse_session* se_ = nullptr;

  std::mutex mu_;
  std::condition_variable cv_;
  std::string session_;                                 // guarded by mu_
  bool stopping_ = false;                               // guarded by mu_
  std::set<std::pair<uint64_t, uint64_t>> posix_owners_;  // guarded by mu_
  std::thread heartbeat_;
};

}  // namespace strata::mount
