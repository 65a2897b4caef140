// IoLoop: one I/O thread of the RESP server. It owns an epoll set and every connection handed
// to it, and serves them event by event without a thread or a context switch per request:
// each round it reads what arrived on every ready connection, runs every complete command
// (pipelining), commits the round's GETs, SETs and INCRs of all its connections as one
// kv::WriteGroup (one log append for the writes, one read per distinct key), then writes each
// connection's replies with one send. After a busy round it polls briefly before sleeping,
// so a steady stream of unpipelined requests costs no sleep and wakeup per round.
//
// Order and durability: a connection's replies keep its command order. A command that cannot
// join the group (SET NX, DEL, ...) first commits the commands queued before it, so every
// command sees the connection's earlier writes. No reply to a write is sent before the write
// is committed (kill -9 safe as KvOptions::durability promises).
//
// Back-pressure: a connection whose client does not read its replies stops being read (and
// its buffered commands stop running) until its output drains.
//
// Thread-safety: adopt() and stop() may be called from any thread; everything else runs on
// the loop's own thread.
#pragma once

#include <sys/epoll.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_set>
#include <utility>
#include <vector>

#include "common/status.h"
#include "kv/write_group.h"
#include "server/resp/resp_protocol.h"
#include "server/resp/resp_session.h"

namespace strata::server::resp {

class IoLoop {
 public:
  explicit IoLoop(const RespDeps& deps);
  ~IoLoop();
  IoLoop(const IoLoop&) = delete;
  IoLoop& operator=(const IoLoop&) = delete;

  Status start();
  // Hands a connected, non-blocking socket (and its client id) to this loop, which owns
  // and closes it from now on.
  void adopt(int fd, int64_t id);
  // Closes every connection and joins the thread. Idempotent.
  void stop();

 private:
  struct Connection {
    Connection(int fd, int64_t id) : fd(fd), reply(out) { session.id = id; }
    int fd;
    Session session;
    RequestParser parser;
    Command cmd;           // reused for every command
    std::string out;       // replies not yet sent, from out_sent on
    size_t out_sent = 0;
    ReplyWriter reply;
    size_t queued = 0;     // operations in the loop's group awaiting commit
    bool active = false;   // in active_ this round
    bool writing = false;  // waiting for EPOLLOUT (reads paused)
    bool more = false;     // commands left unrun because the output was full
    bool eof = false;      // the client closed its side: run what arrived, answer, close
    bool dead = false;     // close at the end of the round
  };

  void run();
  // The next events: polls a little before sleeping after a busy round (kSpinNanos).
  int waitForEvents(epoll_event* events);
  void adoptIncoming();
  void readFrom(Connection& c);
  void process(Connection& c);
  void commitGroup();
  void writeTo(Connection& c);
  void watch(Connection& c, bool for_write);
  void markActive(Connection& c);
  void close(Connection* c);

  const RespDeps& deps_;
  int epoll_fd_ = -1;
  int wake_fd_ = -1;  // eventfd: adopt() and stop() wake the loop
  std::thread thread_;
  std::atomic<bool> stopping_{false};

  std::mutex incoming_mu_;
  std::vector<std::pair<int, int64_t>> incoming_;  // guarded by incoming_mu_

  // Loop thread only.
  std::unordered_set<Connection*> connections_;  // owned (deleted in close())
  std::vector<Connection*> active_;              // read or drained this round
  std::vector<Connection*> carry_;               // to run again next round (more, not writing)
  struct Queued {
    Connection* conn;
    size_t op;
  };
  std::vector<Queued> queued_;  // group operations, in queue order
  kv::WriteGroup group_;
  std::string read_buf_;
  bool busy_ = false;   // the last wait returned events
  int spin_skip_ = 0;   // sleeps left before polling again after a poll found nothing
};

}  // namespace strata::server::resp
