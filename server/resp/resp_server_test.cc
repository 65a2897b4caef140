// The event-driven RESP server end to end on 127.0.0.1: real sockets, a real KvService on
// RocksDB. What the I/O loops promise: replies in command order across grouped and ungrouped
// commands, every command seeing its connection's earlier writes, no lost increment across
// connections and threads, and namespace deletion honoured by connections bound to it.
#include "server/resp/resp_server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include "common/temp_dir.h"
#include "db/rocksdb_engine.h"
#include "kv/kv_service.h"

namespace strata::server::resp {
namespace {

constexpr std::string_view kToken = "test-token";

std::string cmd(std::initializer_list<std::string_view> args) {
  std::string out = "*" + std::to_string(args.size()) + "\r\n";
  for (auto a : args) out += "$" + std::to_string(a.size()) + "\r\n" + std::string(a) + "\r\n";
  return out;
}

// A blocking test client: sends bytes, reads until the expected number of bytes arrived.
class Client {
 public:
  explicit Client(int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    ::inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
    timeval tv{10, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  }
  ~Client() { ::close(fd_); }
  bool connected() const { return connected_; }
  void send(const std::string& bytes) {
    size_t off = 0;
    while (off < bytes.size()) {
      ssize_t n = ::send(fd_, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
      if (n <= 0) return;
      off += static_cast<size_t>(n);
    }
  }
  // Reads exactly `n` bytes (or what arrived before EOF / the timeout).
  std::string read(size_t n) {
    std::string out;
    char buf[65536];
    while (out.size() < n) {
      ssize_t got = ::recv(fd_, buf, std::min(sizeof(buf), n - out.size()), 0);
      if (got <= 0) break;
      out.append(buf, static_cast<size_t>(got));
    }
    return out;
  }
  std::string roundTrip(const std::string& bytes, size_t reply_bytes) {
    send(bytes);
    return read(reply_bytes);
  }
  bool auth(std::string_view ns) { return roundTrip(cmd({"AUTH", ns, kToken}), 5) == "+OK\r\n"; }
  // True when the server closed the connection (recv sees EOF).
  bool closedByServer() {
    char c;
    return ::recv(fd_, &c, 1, 0) == 0;
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
};

class RespServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto engine = db::openRocksDbEngine(dir_.sub("meta"), {.sync = false});
    ASSERT_TRUE(engine.ok()) << engine.status().toString();
    engine_ = std::move(*engine);
    kv_ = std::make_unique<kv::KvService>(*engine_);
    ASSERT_TRUE(kv_->createNamespace("ws", "cache").ok());
    RespDeps deps{*kv_, [](std::string_view token) -> Result<auth::Principal> {
                    if (token != kToken) return Status(Code::kUnauthenticated, "bad token");
                    return auth::Principal{.token_id = "t", .name = "test", .workspace = "ws"};
                  }};
    server_ = std::make_unique<RespServer>(deps, 2);
    ASSERT_TRUE(server_->start("127.0.0.1:0").ok());
  }
  void TearDown() override { server_.reset(); }

  std::string value(std::string_view key) {
    auto r = kv_->get("ws", "cache", key);
    return r.ok() && r->has_value() ? (*r)->value : "<absent>";
  }

  TempDir dir_;
  std::unique_ptr<db::Engine> engine_;
  std::unique_ptr<kv::KvService> kv_;
  std::unique_ptr<RespServer> server_;
};

TEST_F(RespServerTest, PipelineMixingGroupedAndSingleCommandsKeepsOrderAndSeesItsWrites) {
  Client c(server_->port());
  ASSERT_TRUE(c.connected());
  ASSERT_TRUE(c.auth("cache"));
  std::string wire = cmd({"SET", "a", "1"}) + cmd({"INCR", "a"}) + cmd({"GET", "a"}) +
                     cmd({"SET", "a", "x"}) + cmd({"INCR", "a"}) + cmd({"SET", "b", "v", "NX"}) +
                     cmd({"MSET", "m1", "1", "m2", "2"}) + cmd({"INCRBY", "m2", "40"}) +
                     cmd({"INCRBY", "m2", "notanumber"}) + cmd({"SET", "onlykey"}) + cmd({"MGET", "m1", "m2"}) +
                     cmd({"DECRBY", "m1", "3"}) + cmd({"PING"});
  std::string want = "+OK\r\n:2\r\n$1\r\n2\r\n+OK\r\n"
                     "-ERR value is not an integer or out of range\r\n+OK\r\n+OK\r\n:42\r\n"
                     "-ERR value is not an integer or out of range\r\n"
                     "-ERR wrong number of arguments for 'set' command\r\n"
                     "*2\r\n$1\r\n1\r\n$2\r\n42\r\n:-2\r\n+PONG\r\n";
  EXPECT_EQ(c.roundTrip(wire, want.size()), want);
  EXPECT_EQ(value("a"), "x");
  EXPECT_EQ(value("m1"), "-2");
}

TEST_F(RespServerTest, OversizedValuesInAGroupFailAloneAndTheConnectionStays) {
  Client c(server_->port());
  ASSERT_TRUE(c.auth("cache"));
  std::string big(kv::kMaxValueBytes + 1, 'v');
  const std::string want = "+OK\r\n-ERR value is " + std::to_string(big.size()) + " bytes; the limit is " +
                           std::to_string(kv::kMaxValueBytes) + "\r\n+OK\r\n";
  EXPECT_EQ(c.roundTrip(cmd({"SET", "ok1", "1"}) + cmd({"SET", "big", big}) + cmd({"SET", "ok2", "2"}), want.size()),
            want);
  EXPECT_EQ(value("ok2"), "2");
  EXPECT_EQ(value("big"), "<absent>");
}

TEST_F(RespServerTest, ManyConnectionsIncrementingLoseNothing) {
  constexpr int kClients = 12, kPerClient = 300, kPipeline = 10;
  std::vector<std::thread> threads;
  for (int t = 0; t < kClients; ++t) {
    threads.emplace_back([&] {
      Client c(server_->port());
      ASSERT_TRUE(c.auth("cache"));
      for (int i = 0; i < kPerClient; i += kPipeline) {
        std::string wire;
        for (int j = 0; j < kPipeline; ++j) wire += cmd({"INCR", "shared"}) + cmd({"SET", "blind", "x"});
        std::string got = c.roundTrip(wire, 0);
        // Each reply is ":N\r\n+OK\r\n"; read until every one arrived.
        size_t lines = 0;
        while (lines < 2 * kPipeline) {
          std::string b = c.read(1);
          ASSERT_FALSE(b.empty()) << "connection closed";
          got += b;
          if (b == "\n") ++lines;
        }
        ASSERT_EQ(std::count(got.begin(), got.end(), ':'), kPipeline) << got;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(value("shared"), std::to_string(kClients * kPerClient));
}

TEST_F(RespServerTest, DeletedNamespaceIsRefusedToBoundConnections) {
  Client c(server_->port());
  ASSERT_TRUE(c.auth("cache"));
  ASSERT_EQ(c.roundTrip(cmd({"SET", "k", "v"}), 5), "+OK\r\n");
  ASSERT_TRUE(kv_->deleteNamespace("ws", "cache").ok());
  std::string reply = c.roundTrip(cmd({"SET", "k", "v"}), 10);
  EXPECT_EQ(reply.substr(0, 4), "-ERR") << reply;
  Client fresh(server_->port());
  EXPECT_FALSE(fresh.auth("cache"));
}

TEST_F(RespServerTest, QuitAnswersThenClosesAndRunsNothingAfter) {
  Client c(server_->port());
  ASSERT_TRUE(c.auth("cache"));
  std::string reply = c.roundTrip(cmd({"SET", "before", "1"}) + cmd({"QUIT"}) + cmd({"SET", "after", "1"}), 10);
  EXPECT_EQ(reply, "+OK\r\n+OK\r\n");
  EXPECT_TRUE(c.closedByServer());
  EXPECT_EQ(value("before"), "1");
  EXPECT_EQ(value("after"), "<absent>");
}

TEST_F(RespServerTest, WritesSentJustBeforeTheClientClosesAreApplied) {
  {
    Client c(server_->port());
    ASSERT_TRUE(c.auth("cache"));
    c.send(cmd({"SET", "last", "words"}));
  }  // closed without reading the reply
  for (int i = 0; i < 100 && value("last") != "words"; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(value("last"), "words");
}

TEST_F(RespServerTest, AClientThatDoesNotReadIsPausedNotDropped) {
  Client slow(server_->port());
  ASSERT_TRUE(slow.auth("cache"));
  std::string v(200 * 1024, 'v');
  ASSERT_EQ(slow.roundTrip(cmd({"SET", "fat", v}), 5), "+OK\r\n");
  // 100 GETs of 200 KiB = 20 MiB of replies, more than the server buffers for one client.
  std::string wire;
  for (int i = 0; i < 100; ++i) wire += cmd({"GET", "fat"});
  slow.send(wire);
  // Meanwhile another client is served.
  Client other(server_->port());
  ASSERT_TRUE(other.auth("cache"));
  EXPECT_EQ(other.roundTrip(cmd({"PING"}), 7), "+PONG\r\n");
  // And the slow one gets every reply once it reads.
  const std::string one = "$" + std::to_string(v.size()) + "\r\n" + v + "\r\n";
  std::string all = slow.read(one.size() * 100);
  ASSERT_EQ(all.size(), one.size() * 100);
  EXPECT_EQ(all.substr(0, one.size()), one);
  EXPECT_EQ(all.substr(all.size() - one.size()), one);
}

}  // namespace
}  // namespace strata::server::resp
