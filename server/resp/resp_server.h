// RespServer: the Redis-protocol listener of `strata server --resp-listen HOST:PORT`.
//
// Event-driven: an acceptor thread hands each new connection, round robin, to one of a small
// fixed pool of I/O threads (server/resp/resp_io_loop.h), each of which serves its connections
// from one epoll set and commits their writes in groups. No thread per connection, no
// context switch per request. Commands run on kv::KvService, so a key set over RESP is the
// same key REST reads.
//
// Thread-safe: start/stop from one owner thread.
#pragma once

#include <atomic>
#include <cstddef>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "common/status.h"
#include "server/resp/resp_session.h"

namespace strata::server::resp {

class IoLoop;

class RespServer {
 public:
  // io_threads 0: half the CPU cores, 1 to 8. A loop's work per request is mostly the
  // kernel's socket work, which more loops do not shrink; each extra loop only adds wakeups
  // (context switches) per request and competes with the clients and the engine's
  // background threads for the cores. On 2 cores one loop costs 6.5 us of CPU per
  // unpipelined GET, two loops 7.5-8.5 us, with pipelined throughput unchanged.
  explicit RespServer(RespDeps deps, size_t io_threads = 0);
  ~RespServer();
  RespServer(const RespServer&) = delete;
  RespServer& operator=(const RespServer&) = delete;

  // Binds "HOST:PORT" (PORT 0 picks a free port) and starts accepting.
  Status start(const std::string& listen);
  int port() const { return port_; }
  // Stops accepting, closes every connection and joins every thread.
  void stop();

 private:
  void acceptLoop();

  RespDeps deps_;
  size_t io_threads_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::thread acceptor_;
  std::atomic<bool> stopping_{false};
  int64_t next_id_ = 1;  // acceptor thread only
  std::vector<std::unique_ptr<IoLoop>> loops_;
};

}  // namespace strata::server::resp
