#include "server/http/listener.h"

#include <utility>  // before boost/asio (Boost 1.74 + g++ 12)

#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <charconv>
#include <condition_variable>
#include <list>
#include <mutex>
#include <thread>

#include "common/clock.h"
#include "common/metrics.h"
#include "server/http/connection.h"
#include "server/http/router.h"

namespace strata::server::http {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

constexpr int kPollMillis = 200;

}  // namespace

Status parseListenAddress(std::string_view text, ListenerOptions& options) {
  std::string_view host;
  std::string_view port;
  if (!text.empty() && text.front() == '[') {
    size_t close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return invalidArgument("listen address must be HOST:PORT or [V6]:PORT: ", text);
    }
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) {
      return invalidArgument("listen address must be HOST:PORT: ", text);
    }
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  unsigned value = 0;
  auto [end, err] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (host.empty() || port.empty() || err != std::errc() || end != port.data() + port.size() ||
      value > 65535) {
    return invalidArgument("bad listen address: ", text);
  }
  options.host = std::string(host);
  options.port = static_cast<uint16_t>(value);
  return Status::OK();
}

struct Listener::Impl {
  ListenerOptions options;
  RequestHandler handler;
  asio::io_context io;  // never run: sockets only need one to exist
  tcp::acceptor acceptor{io};
  uint16_t port = 0;
  std::atomic<bool> stopping{false};
  std::thread accept_thread;
  std::thread watchdog_thread;

  struct Conn {
    ConnectionSlot slot;
    std::thread thread;
  };
  std::mutex mu;
  std::condition_variable cv;      // signalled when a connection finishes or on stop
  std::list<Conn> conns;           // guarded by mu
  bool stopped = false;            // guarded by mu

  Impl(const ListenerOptions& o, RequestHandler h) : options(o), handler(std::move(h)) {}

  void acceptLoop() {
    while (!stopping.load()) {
      pollfd pfd{acceptor.native_handle(), POLLIN, 0};
      int ready = ::poll(&pfd, 1, kPollMillis);
      reapFinished();
      if (ready <= 0) continue;
      boost::system::error_code ec;
      tcp::socket socket(io);
      acceptor.accept(socket, ec);
      if (ec) {
        if (ec != asio::error::would_block && ec != asio::error::try_again) {
          spdlog::warn("accept failed: {}", ec.message());
        }
        continue;
      }
      socket.set_option(tcp::no_delay(true), ec);
      admit(std::move(socket));
    }
  }

  void admit(tcp::socket socket) {
    std::lock_guard lock(mu);
    if (static_cast<int>(conns.size()) >= options.max_connections) {
      static constexpr std::string_view kBusy =
          "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
          "Connection: close\r\nContent-Length: 68\r\n\r\n"
          "{\"error\":{\"code\":\"busy\",\"message\":\"too many connections, retry\"}}\n";
      boost::system::error_code ec;
      asio::write(socket, asio::buffer(kBusy.data(), kBusy.size()), ec);
      metrics::inc("strata_http_connections_rejected_total");
      return;
    }
    Conn& conn = conns.emplace_back();
    conn.slot.fd = socket.native_handle();
    conn.thread = std::thread([this, &conn, s = std::move(socket)]() mutable {
      serveConnection(std::move(s), conn.slot, handler, stopping,
                      ConnectionTimeouts{options.idle_timeout, options.io_timeout});
      std::lock_guard lock(mu);
      conn.slot.fd = -1;  // the socket is closed: the watchdog must not touch the number
      conn.slot.done.store(true);
      cv.notify_all();
    });
    metrics::set("strata_http_connections", {}, static_cast<double>(conns.size()));
  }

  // Joins connection threads that have finished. Called without `mu` held.
  void reapFinished() {
    std::list<Conn> finished;
    {
      std::lock_guard lock(mu);
      for (auto it = conns.begin(); it != conns.end();) {
        auto next = std::next(it);
        if (it->slot.done.load()) finished.splice(finished.end(), conns, it);
        it = next;
      }
      if (!finished.empty()) metrics::set("strata_http_connections", {}, static_cast<double>(conns.size()));
    }
    for (auto& c : finished) c.thread.join();
  }

  // Shuts down sockets whose current blocking call has run past its deadline.
  void watchdogLoop() {
    std::unique_lock lock(mu);
    while (!stopped) {
      cv.wait_for(lock, std::chrono::milliseconds(kPollMillis));
      int64_t now = monotonicNanos();
      for (auto& c : conns) {
        int64_t deadline = c.slot.deadline_ns.load();
        if (c.slot.fd >= 0 && deadline != 0 && now > deadline) {
          ::shutdown(c.slot.fd, SHUT_RDWR);
        }
      }
    }
  }

  void stop() {
    if (stopping.exchange(true)) return;
    if (accept_thread.joinable()) accept_thread.join();
    boost::system::error_code ec;
    acceptor.close(ec);

    std::unique_lock lock(mu);
    auto shutdownWhere = [&](auto pred) {
      for (auto& c : conns) {
        if (c.slot.fd >= 0 && !c.slot.done.load() && pred(c)) ::shutdown(c.slot.fd, SHUT_RDWR);
      }
    };
    // Idle keep-alive connections have nothing in flight: close them now. A connection that
    // becomes idle later sees `stopping` and leaves by itself.
    shutdownWhere([](Conn& c) { return c.slot.idle.load(); });
    auto allDone = [&] {
      for (auto& c : conns) {
        if (!c.slot.done.load()) return false;
      }
      return true;
    };
    if (!cv.wait_for(lock, options.shutdown_grace, allDone)) {
      spdlog::warn("shutdown: closing connections with requests still in flight");
      shutdownWhere([](Conn&) { return true; });
      cv.wait(lock, allDone);
    }
    stopped = true;
    cv.notify_all();
    lock.unlock();
    if (watchdog_thread.joinable()) watchdog_thread.join();
    for (auto& c : conns) c.thread.join();
    conns.clear();
  }
};

Listener::Listener(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Listener::~Listener() { stop(); }

uint16_t Listener::port() const { return impl_->port; }

void Listener::stop() {
  if (impl_) impl_->stop();
}

Result<std::unique_ptr<Listener>> Listener::start(const ListenerOptions& options,
                                                  const Router& router) {
  return start(options, [&router](Exchange& ex) { router.dispatch(ex); });
}

Result<std::unique_ptr<Listener>> Listener::start(const ListenerOptions& options,
                                                  RequestHandler handler) {
  auto impl = std::make_unique<Impl>(options, std::move(handler));
  boost::system::error_code ec;
  std::string host = options.host == "localhost" ? "127.0.0.1" : options.host;
  auto address = asio::ip::make_address(host, ec);
  if (ec) return invalidArgument("bad listen host '", options.host, "': ", ec.message());
  tcp::endpoint endpoint(address, options.port);
  impl->acceptor.open(endpoint.protocol(), ec);
  if (!ec) impl->acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) impl->acceptor.bind(endpoint, ec);
  if (!ec) impl->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (!ec) impl->acceptor.non_blocking(true, ec);
  if (ec) {
    return Status(Code::kUnavailable, "cannot listen on " + host + ":" +
                                          std::to_string(options.port) + ": " + ec.message());
  }
  impl->port = impl->acceptor.local_endpoint().port();
  metrics::describe("strata_http_connections", metrics::Type::kGauge, "Open HTTP connections.");
  metrics::describe("strata_http_connections_rejected_total", metrics::Type::kCounter,
                    "Connections refused because max_connections were open.");
  Impl* raw = impl.get();
  raw->accept_thread = std::thread([raw] { raw->acceptLoop(); });
  raw->watchdog_thread = std::thread([raw] { raw->watchdogLoop(); });
  return std::unique_ptr<Listener>(new Listener(std::move(impl)));
}

}  // namespace strata::server::http
