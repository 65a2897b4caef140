// Listener: the HTTP/1.1 server socket. One acceptor thread, one thread per connection
// (synchronous Beast), keep-alive and pipelining, and a watchdog that enforces timeouts.
//
// Why threads and blocking I/O: every handler ends in blocking storage calls (RocksDB commits,
// fsync of chunk files), which would stall an event loop; a thread per connection keeps the
// code straight-line, and connections are few (CLI workers, mounts). The connection count is
// capped (max_connections); a connection over the cap gets 503 and is closed.
//
// Timeouts: a connection waiting for the next request longer than idle_timeout, or blocked in
// one read/write of a request longer than io_timeout, is shut down by the watchdog.
//
// stop(): stops accepting, closes idle keep-alive connections at once, lets requests in flight
// finish for up to shutdown_grace (then shuts their sockets), and joins every thread. After
// stop() returns no handler is running, so the caller may close the storage engine.
//
// Thread-safety: start/stop from one thread; port() from any.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "common/status.h"

namespace strata::server::http {

class Router;
class Exchange;

// Serves one request completely (sends exactly one response); never throws. Called from many
// connection threads at once.
using RequestHandler = std::function<void(Exchange&)>;

struct ListenerOptions {
  std::string host = "127.0.0.1";  // an IPv4/IPv6 address or "localhost"
  uint16_t port = 7070;            // 0 picks a free port (see Listener::port())
  int max_connections = 512;
  std::chrono::seconds idle_timeout{75};
  std::chrono::seconds io_timeout{120};
  std::chrono::milliseconds shutdown_grace{10000};
};

// Parses "HOST:PORT" or "[V6]:PORT" into `options` (host and port only).
Status parseListenAddress(std::string_view text, ListenerOptions& options);

class Listener {
 public:
  // Binds and starts accepting. `router` must outlive the Listener.
  static Result<std::unique_ptr<Listener>> start(const ListenerOptions& options,
                                                 const Router& router);
  // The same connection handling for another protocol on HTTP (the S3 endpoint): every
  // request goes to `handler`.
  static Result<std::unique_ptr<Listener>> start(const ListenerOptions& options,
                                                 RequestHandler handler);
  ~Listener();  // stop()s
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;

  uint16_t port() const;
  void stop();

 private:
  struct Impl;
  explicit Listener(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace strata::server::http
