#include "server/resp/resp_io_loop.h"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <spdlog/spdlog.h>

#include "common/clock.h"
#include "server/resp/resp_commands.h"

namespace strata::server::resp {
namespace {

constexpr size_t kReadChunk = 64 * 1024;
// Read at most this much from one connection per round, so one busy client cannot starve
// the others of the loop.
constexpr size_t kMaxReadPerRound = 1 << 20;
// Stop running a connection's commands while this much of its output is unsent.
constexpr size_t kMaxPendingOutput = 4 << 20;
constexpr int kMaxEvents = 256;
// A group's GET values are held until its replies are written; commit early past this many
// GETs so a burst of large values (up to 256 KiB each) stays bounded in memory.
constexpr size_t kMaxGroupReads = 256;
// And past this many operations of any kind, so one round's replies do not wait too long.
constexpr size_t kMaxGroupOps = 4096;
// After a round with work, poll this long for the next events before sleeping: clients that
// wait for each reply (no pipelining) send their next command within microseconds, and each
// sleep and wakeup costs a context switch (a virtual CPU's halt and wakeup, on a VM) that is
// worth more than the request itself. On 2 cores, unpipelined GET: 0.17 -> 0.02 context
// switches per request and +5-15% requests/s.
constexpr int64_t kSpinNanos = 50'000;
// A poll that found nothing skips polling for this many following sleeps, so a server whose
// clients come seldom spends at most ~kSpinNanos / kSpinBackoff of CPU per request on it.
constexpr int kSpinBackoff = 16;

}  // namespace

IoLoop::IoLoop(const RespDeps& deps) : deps_(deps), group_(deps.kv) {}

IoLoop::~IoLoop() { stop(); }

Status IoLoop::start() {
  epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
  if (epoll_fd_ < 0) return ioError("epoll_create1: ", std::strerror(errno));
  wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (wake_fd_ < 0) return ioError("eventfd: ", std::strerror(errno));
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.ptr = nullptr;  // the wake fd
  if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &ev) != 0) {
    return ioError("epoll_ctl: ", std::strerror(errno));
  }
  read_buf_.resize(kReadChunk);
  thread_ = std::thread([this] { run(); });
  return Status::OK();
}

void IoLoop::adopt(int fd, int64_t id) {
  {
    std::lock_guard lock(incoming_mu_);
    incoming_.emplace_back(fd, id);
  }
  uint64_t one = 1;
  [[maybe_unused]] ssize_t n = ::write(wake_fd_, &one, sizeof(one));
}

void IoLoop::stop() {
  if (stopping_.exchange(true)) return;
  if (thread_.joinable()) {
    uint64_t one = 1;
    [[maybe_unused]] ssize_t n = ::write(wake_fd_, &one, sizeof(one));
    thread_.join();
  }
  {
    std::lock_guard lock(incoming_mu_);
    for (auto& [fd, id] : incoming_) ::close(fd);
    incoming_.clear();
  }
  if (wake_fd_ >= 0) ::close(wake_fd_);
  if (epoll_fd_ >= 0) ::close(epoll_fd_);
  wake_fd_ = epoll_fd_ = -1;
}

void IoLoop::run() {
  epoll_event events[kMaxEvents];
  while (!stopping_.load(std::memory_order_relaxed)) {
    int n = waitForEvents(events);
    if (n < 0) {
      if (errno == EINTR) continue;
      spdlog::error("resp: epoll_wait failed: {}", std::strerror(errno));
      break;
    }
    busy_ = n > 0;
    for (Connection* c : carry_) markActive(*c);
    carry_.clear();
    for (int i = 0; i < n; ++i) {
      auto* c = static_cast<Connection*>(events[i].data.ptr);
      if (c == nullptr) {
        uint64_t count;
        while (::read(wake_fd_, &count, sizeof(count)) > 0) {
        }
        adoptIncoming();
        continue;
      }
      if (c->dead) continue;
      if (events[i].events & EPOLLOUT) {
        writeTo(*c);
        // Drained: run the commands left buffered meanwhile. Dead: close it this round.
        if (c->dead || !c->writing) markActive(*c);
      }
      if (!c->writing && !c->eof && (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))) readFrom(*c);
    }
    // Run every connection's commands, commit the round's grouped writes, then answer.
    for (size_t i = 0; i < active_.size(); ++i) process(*active_[i]);
    commitGroup();
    for (Connection* c : active_) {
      c->active = false;
      if (!c->dead && c->out.size() > c->out_sent) writeTo(*c);
      const bool finished = c->session.quit || c->eof;
      if (finished && c->out.size() == c->out_sent) c->dead = true;
    }
    for (Connection* c : active_) {
      if (c->dead) {
        close(c);
      } else if (c->more && !c->writing) {
        carry_.push_back(c);  // its output drained at once: run the rest next round
      }
    }
    active_.clear();
  }
  for (Connection* c : std::vector<Connection*>(connections_.begin(), connections_.end())) close(c);
}

int IoLoop::waitForEvents(epoll_event* events) {
  // Connections with commands left over (their output was full) go on without waiting.
  if (!carry_.empty()) return ::epoll_wait(epoll_fd_, events, kMaxEvents, 0);
  if (busy_ && spin_skip_ == 0) {
    const int64_t until = nowNanos() + kSpinNanos;
    do {
      const int n = ::epoll_wait(epoll_fd_, events, kMaxEvents, 0);
      if (n != 0) return n;
    } while (nowNanos() < until);
    spin_skip_ = kSpinBackoff;
  } else if (busy_ && spin_skip_ > 0) {
    --spin_skip_;
  }
  return ::epoll_wait(epoll_fd_, events, kMaxEvents, -1);
}

void IoLoop::adoptIncoming() {
  std::vector<std::pair<int, int64_t>> fresh;
  {
    std::lock_guard lock(incoming_mu_);
    fresh.swap(incoming_);
  }
  for (auto& [fd, id] : fresh) {
    auto* c = new Connection(fd, id);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.ptr = c;
    if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) != 0) {
      spdlog::warn("resp: cannot watch a connection: {}", std::strerror(errno));
      ::close(fd);
      delete c;
      continue;
    }
    connections_.insert(c);
  }
}

void IoLoop::markActive(Connection& c) {
  if (c.active) return;
  c.active = true;
  active_.push_back(&c);
}

void IoLoop::readFrom(Connection& c) {
  size_t total = 0;
  while (total < kMaxReadPerRound) {
    ssize_t n = ::recv(c.fd, read_buf_.data(), read_buf_.size(), 0);
    if (n > 0) {
      c.parser.feed(std::string_view(read_buf_.data(), static_cast<size_t>(n)));
      total += static_cast<size_t>(n);
      if (static_cast<size_t>(n) < read_buf_.size()) break;  // drained (level-triggered anyway)
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    // EOF or error: run what already arrived (a client may send and close), then close.
    c.eof = true;
    if (n < 0) c.dead = true;
    break;
  }
  markActive(c);
}

void IoLoop::process(Connection& c) {
  c.more = false;
  while (!c.dead && !c.session.quit) {
    if (c.out.size() - c.out_sent >= kMaxPendingOutput) {
      c.more = true;  // the rest waits until this output is sent
      break;
    }
    if (!c.parser.next(c.cmd)) break;
    if (tryQueue(deps_, c.session, c.cmd, c.reply, group_)) {
      queued_.push_back({&c, group_.size() - 1});
      ++c.queued;
      if (group_.reads() >= kMaxGroupReads || group_.size() >= kMaxGroupOps) commitGroup();
      continue;
    }
    // Anything else runs alone, after this connection's queued writes are committed (it may
    // read them, and its reply must follow theirs).
    if (c.queued > 0) commitGroup();
    execute(deps_, c.session, c.cmd, c.reply);
    c.reply.setProtocol(c.session.protocol);
  }
  if (!c.parser.error().empty() && !c.session.quit) {
    if (c.queued > 0) commitGroup();
    c.reply.error("ERR " + c.parser.error());
    c.session.quit = true;
  }
}

void IoLoop::commitGroup() {
  if (group_.empty()) return;
  group_.commit();
  for (const Queued& q : queued_) {
    replyQueued(q.conn->reply, group_, q.op);
    q.conn->queued = 0;
  }
  queued_.clear();
  group_.clear();
}

void IoLoop::watch(Connection& c, bool for_write) {
  if (c.writing == for_write) return;
  epoll_event ev{};
  ev.events = for_write ? EPOLLOUT : EPOLLIN;
  ev.data.ptr = &c;
  if (::epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, c.fd, &ev) != 0) {
    c.dead = true;
    return;
  }
  c.writing = for_write;
}

void IoLoop::writeTo(Connection& c) {
  while (c.out_sent < c.out.size()) {
    ssize_t n = ::send(c.fd, c.out.data() + c.out_sent, c.out.size() - c.out_sent, MSG_NOSIGNAL);
    if (n > 0) {
      c.out_sent += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      watch(c, true);  // the client is slow: wait until it reads, and read nothing meanwhile
      return;
    }
    c.dead = true;  // the peer is gone
    return;
  }
  c.out.clear();
  c.out_sent = 0;
  if (c.out.capacity() > (1 << 20)) c.out.shrink_to_fit();
  if (c.writing) watch(c, false);
}

void IoLoop::close(Connection* c) {
  // Never while the group holds operations of this connection: run() closes only after the
  // round's commit.
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, c->fd, nullptr);
  ::close(c->fd);
  connections_.erase(c);
  delete c;
}

}  // namespace strata::server::resp
