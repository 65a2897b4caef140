#include "server/resp/resp_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <spdlog/spdlog.h>

#include "server/resp/resp_io_loop.h"

namespace strata::server::resp {
namespace {

Result<sockaddr_in> parseListen(const std::string& listen) {
  auto colon = listen.rfind(':');
  if (colon == std::string::npos) return invalidArgument("--resp-listen must be HOST:PORT, got '", listen, "'");
  std::string host = listen.substr(0, colon);
  if (host == "localhost") host = "127.0.0.1";
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  if (::inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1) {
    return invalidArgument("--resp-listen host must be an IPv4 address, got '", host, "'");
  }
  int port = 0;
  try {
    port = std::stoi(listen.substr(colon + 1));
  } catch (...) {
    port = -1;
  }
  if (port < 0 || port > 65535) return invalidArgument("--resp-listen port must be 0 to 65535");
  addr.sin_port = htons(static_cast<uint16_t>(port));
  return addr;
}

}  // namespace

RespServer::RespServer(RespDeps deps, size_t io_threads) : deps_(std::move(deps)), io_threads_(io_threads) {
  if (io_threads_ == 0) io_threads_ = std::clamp<size_t>(std::thread::hardware_concurrency() / 2, 1, 8);
}

RespServer::~RespServer() { stop(); }

Status RespServer::start(const std::string& listen) {
  ASSIGN_OR_RETURN(sockaddr_in addr, parseListen(listen));
  for (size_t i = 0; i < io_threads_; ++i) {
    loops_.push_back(std::make_unique<IoLoop>(deps_));
    RETURN_IF_ERROR(loops_.back()->start());
  }
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) return ioError("socket: ", std::strerror(errno));
  int one = 1;
  ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    Status s = ioError("cannot listen on ", listen, ": ", std::strerror(errno));
    ::close(listen_fd_);
    listen_fd_ = -1;
    return s;
  }
  if (::listen(listen_fd_, 512) != 0) return ioError("listen: ", std::strerror(errno));
  socklen_t len = sizeof(addr);
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  acceptor_ = std::thread([this] { acceptLoop(); });
  return Status::OK();
}

void RespServer::acceptLoop() {
  size_t next_loop = 0;
  while (!stopping_) {
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd < 0) {
      if (stopping_) return;
      if (errno == EINTR || errno == ECONNABORTED || errno == EMFILE || errno == ENFILE) {
        if (errno == EMFILE || errno == ENFILE) ::usleep(10000);
        continue;
      }
      spdlog::error("resp: accept failed: {}", std::strerror(errno));
      return;
    }
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if (stopping_) {
      ::close(fd);
      return;
    }
    // Round robin keeps the loops evenly loaded for the many-equal-clients case that matters.
    loops_[next_loop]->adopt(fd, next_id_++);
    next_loop = (next_loop + 1) % loops_.size();
  }
}

void RespServer::stop() {
  if (stopping_.exchange(true)) return;
  if (listen_fd_ >= 0) {
    ::shutdown(listen_fd_, SHUT_RDWR);
    ::close(listen_fd_);
    listen_fd_ = -1;
  }
  if (acceptor_.joinable()) acceptor_.join();
  for (auto& loop : loops_) loop->stop();
  loops_.clear();
}

}  // namespace strata::server::resp
