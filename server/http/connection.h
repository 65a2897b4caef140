// One HTTP/1.1 connection served synchronously on its own thread (listener.cc starts it).
// Internal to server/http: includes Boost.
#pragma once

#include <utility>  // before boost/asio (Boost 1.74 + g++ 12)

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <cstdint>
#include <functional>

namespace strata::server::http {

class Router;
class Exchange;

// What the watchdog and stop() need to know about a connection. The owning thread updates
// `deadline_ns` and `idle`; the watchdog reads them and may ::shutdown() the socket (never
// close it: the fd stays owned by the connection thread, so it cannot be reused under us).
struct ConnectionSlot {
  int fd = -1;
  std::atomic<int64_t> deadline_ns{0};  // monotonic; 0 = no blocking call in progress
  std::atomic<bool> idle{false};        // waiting for the next request
  std::atomic<bool> done{false};        // the thread has finished
};

struct ConnectionTimeouts {
  std::chrono::seconds idle;
  std::chrono::seconds io;
};

// Serves requests until the client closes, an error or timeout, or `stopping` is set.
void serveConnection(boost::asio::ip::tcp::socket socket, ConnectionSlot& slot,
                     const Router& router, const std::atomic<bool>& stopping,
                     ConnectionTimeouts timeouts);
// Same, with every request handed to `handler` (which sends exactly one response).
void serveConnection(boost::asio::ip::tcp::socket socket, ConnectionSlot& slot,
                     const std::function<void(Exchange&)>& handler,
                     const std::atomic<bool>& stopping, ConnectionTimeouts timeouts);

}  // namespace strata::server::http
