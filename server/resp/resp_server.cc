#include "server/resp/resp_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <spdlog/spdlog.h>

#include "server/resp/resp_commands.h"
#include "server/resp/resp_protocol.h"

namespace strata::server::resp {
namespace {

bool sendAll(int fd, const std::string& data) {
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::send(fd, data.data() + off, data.size() - off, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    off += static_cast<size_t>(n);
  }
  return true;
}

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

Status RespServer::start(const std::string& listen) {
  ASSIGN_OR_RETURN(sockaddr_in addr, parseListen(listen));
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
  while (!stopping_) {
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
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
    {
      std::lock_guard lock(mu_);
      if (stopping_) {
        ::close(fd);
        return;
      }
      connections_.insert(fd);
    }
    int64_t id = next_id_++;
    std::thread([this, fd, id] { serve(fd, id); }).detach();
  }
}

void RespServer::serve(int fd, int64_t id) {
  Session session;
  session.id = id;
  RequestParser parser;
  std::string out;
  ReplyWriter reply(out);
  std::string buf(64 * 1024, '\0');
  while (!session.quit) {
    ssize_t n = ::recv(fd, buf.data(), buf.size(), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    parser.feed(std::string_view(buf.data(), static_cast<size_t>(n)));
    // Run every complete command that arrived (pipelining), then answer them in one write.
    while (!session.quit) {
      auto cmd = parser.next();
      if (!cmd) break;
      execute(deps_, session, *cmd, reply);
      reply.setProtocol(session.protocol);
    }
    if (!parser.error().empty()) {
      reply.error("ERR " + parser.error());
      session.quit = true;
    }
    if (!out.empty()) {
      if (!sendAll(fd, out)) break;
      out.clear();
      if (out.capacity() > (1 << 20)) out.shrink_to_fit();
    }
  }
  {
    std::lock_guard lock(mu_);
    connections_.erase(fd);
    ::close(fd);
  }
  idle_.notify_all();
}

void RespServer::stop() {
  if (stopping_.exchange(true)) return;
  if (listen_fd_ >= 0) {
    ::shutdown(listen_fd_, SHUT_RDWR);
    ::close(listen_fd_);
  }
  if (acceptor_.joinable()) acceptor_.join();
  std::unique_lock lock(mu_);
  for (int fd : connections_) ::shutdown(fd, SHUT_RDWR);
  idle_.wait(lock, [this] { return connections_.empty(); });
}

}  // namespace strata::server::resp
