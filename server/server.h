// Server: a running `strata server` — storage of one data directory, the admin token, the
// REST API on an HTTP listener, and the background collector. Tests start one in-process on
// 127.0.0.1:0; `strata server` starts one and waits for SIGTERM/SIGINT.
//
// Thread-safety: start/stop/destroy from one thread; the accessors from any.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "common/status.h"

namespace strata::server {

struct ServerOptions {
  std::string data_dir;
  std::string listen = "127.0.0.1:7070";  // HOST:PORT; port 0 picks a free one
  int64_t gc_interval_seconds = 300;      // 0 disables the background collector
  int64_t gc_grace_seconds = 3600;
  uint64_t memory_budget_bytes = 128ull << 20;  // request buffers (server/http/memory_budget.h)
  int shutdown_grace_ms = 10000;                // in-flight requests get this long on stop()
  std::string resp_listen;                      // HOST:PORT of the Redis-protocol listener; "" = off
  size_t resp_io_threads = 0;                   // its I/O threads; 0 = half the CPU cores (1 to 8)
  std::string s3_listen;                        // HOST:PORT of the S3 endpoint; "" = off
  size_t kv_max_namespaces = 1000;              // soft limit per workspace
  // Durability of KV and queue writes: false = buffered (kill -9 safe at once, machine-crash
  // safe within ~1 s, as Redis appendfsync everysec); true = fsync every write.
  bool kv_sync = false;
  // Chunks up to this many bytes are stored in the metadata engine instead of one file each
  // (server/storage.h); 0 = every chunk a file.
  uint64_t small_chunk_max = 64 << 10;
};

class Server {
 public:
  // Opens storage (creating DIR on first use), ensures the admin token, starts listening.
  static Result<std::unique_ptr<Server>> start(const ServerOptions& options);
  ~Server();  // stop()s
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  uint16_t port() const;
  // Port of the Redis-protocol listener, 0 when it is off.
  uint16_t respPort() const;
  // Port of the S3 endpoint, 0 when it is off.
  uint16_t s3Port() const;
  // "http://HOST:PORT"
  std::string url() const;
  // DIR/admin-token, and whether this start created it.
  const std::string& adminTokenPath() const;
  bool createdAdminToken() const;

  // Stops accepting, finishes requests in flight (bounded by shutdown_grace_ms), stops the
  // collector and closes the storage cleanly. Idempotent.
  void stop();

 private:
  struct Impl;
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace strata::server
