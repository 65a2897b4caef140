// RespServer: the Redis-protocol listener of `strata server --resp-listen HOST:PORT`.
//
// One thread per connection, blocking sockets: a connection reads what arrived, runs every
// complete command in it (pipelining), and writes all replies with one send. Commands run on
// kv::KvService, so a key set over RESP is the same key REST reads.
//
// Thread-safe: start/stop from one owner thread; connections run on their own threads.
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "common/status.h"
#include "server/resp/resp_session.h"

namespace strata::server::resp {

class RespServer {
 public:
  explicit RespServer(RespDeps deps) : deps_(std::move(deps)) {}
  ~RespServer() { stop(); }
  RespServer(const RespServer&) = delete;
  RespServer& operator=(const RespServer&) = delete;

  // Binds "HOST:PORT" (PORT 0 picks a free port) and starts accepting.
  Status start(const std::string& listen);
  int port() const { return port_; }
  // Stops accepting, closes every connection and waits for their threads.
  void stop();

 private:
  void acceptLoop();
  void serve(int fd, int64_t id);

  RespDeps deps_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::thread acceptor_;
  std::atomic<bool> stopping_{false};
  std::atomic<int64_t> next_id_{1};

  std::mutex mu_;
  std::condition_variable idle_;
  std::set<int> connections_;  // guarded by mu_: open connection sockets
};

}  // namespace strata::server::resp
