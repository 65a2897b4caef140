// The load generator of bench/queue_bench.py: producers and consumers as threads of one C++
// process, each with its own connection, so that neither side of the comparison is measured
// through a slow client. Built by queue_bench.py with `g++ -O2 -pthread` (no dependencies).
//
//   queue_bench_client strata PORT TOKEN MESSAGES BODY_BYTES PRODUCERS CONSUMERS BATCH
//   queue_bench_client redis  PORT -     MESSAGES BODY_BYTES PRODUCERS CONSUMERS BATCH
//
// Both sides batch the same way: a producer sends BATCH messages per round trip (Strata: one
// POST /messages with BATCH messages; Redis: BATCH pipelined XADDs); a consumer receives up to
// BATCH (Strata: POST /receive max=BATCH wait 1 s; Redis: XREADGROUP COUNT BATCH BLOCK 1000)
// and acks what it got in one round trip (POST /ack; XACK with every id). Prints
// "elapsed_seconds acked" on success: wall time from the start signal to the last ack.
// 127.0.0.1 only.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace {

std::atomic<int64_t> g_acked{0};
std::atomic<bool> g_go{false};
std::atomic<int> g_failed{0};
int64_t g_total = 0;

[[noreturn]] void die(const std::string& what) { throw std::runtime_error(what); }

// A blocking TCP connection with a read buffer.
class Conn {
 public:
  explicit Conn(int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0) die("connect failed");
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  }
  ~Conn() { ::close(fd_); }

  void send(std::string_view data) {
    while (!data.empty()) {
      ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) die("send failed");
      data.remove_prefix(static_cast<size_t>(n));
    }
  }
  // The next line without its CRLF.
  std::string line() {
    while (true) {
      size_t at = buf_.find("\r\n", pos_);
      if (at != std::string::npos) {
        std::string out = buf_.substr(pos_, at - pos_);
        pos_ = at + 2;
        return out;
      }
      fill();
    }
  }
  std::string take(size_t n) {
    while (buf_.size() - pos_ < n) fill();
    std::string out = buf_.substr(pos_, n);
    pos_ += n;
    return out;
  }

 private:
  void fill() {
    if (pos_ > 0 && pos_ == buf_.size()) {
      buf_.clear();
      pos_ = 0;
    } else if (pos_ > (1 << 20)) {
      buf_.erase(0, pos_);
      pos_ = 0;
    }
    char tmp[256 * 1024];
    ssize_t n = ::recv(fd_, tmp, sizeof(tmp), 0);
    if (n <= 0) die("connection closed");
    buf_.append(tmp, static_cast<size_t>(n));
  }

  int fd_;
  std::string buf_;
  size_t pos_ = 0;
};

std::string body(int64_t i, size_t bytes) {
  char head[32];
  int n = std::snprintf(head, sizeof(head), "%012lld:", static_cast<long long>(i));
  std::string out(head, static_cast<size_t>(n));
  if (out.size() < bytes) out.append(bytes - out.size(), 'x');
  return out;
}

int64_t share(int64_t total, int parts, int k) { return total / parts + (k < total % parts ? 1 : 0); }

void waitGo() {
  while (!g_go.load(std::memory_order_acquire)) std::this_thread::sleep_for(std::chrono::microseconds(100));
}

// ------------------------------------------------------------------------------- Strata (HTTP)
struct Http {
  Conn conn;
  std::string token;
  explicit Http(int port, std::string t) : conn(port), token(std::move(t)) {}

  // POSTs JSON and returns the response body; throws on a non-2xx status.
  std::string post(const std::string& path, const std::string& json) {
    std::string req = "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + token +
                      "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(json.size()) +
                      "\r\n\r\n";
    req += json;
    conn.send(req);
    std::string status = conn.line();
    int code = status.size() >= 12 ? std::atoi(status.c_str() + 9) : 0;
    size_t length = 0;
    bool chunked = false;
    while (true) {
      std::string h = conn.line();
      if (h.empty()) break;
      for (auto& c : h) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (h.rfind("content-length:", 0) == 0) length = std::strtoull(h.c_str() + 15, nullptr, 10);
      if (h.rfind("transfer-encoding:", 0) == 0 && h.find("chunked") != std::string::npos) chunked = true;
    }
    std::string out;
    if (chunked) {
      while (true) {
        size_t n = std::strtoull(conn.line().c_str(), nullptr, 16);
        if (n == 0) {
          conn.line();
          break;
        }
        out += conn.take(n);
        conn.line();
      }
    } else {
      out = conn.take(length);
    }
    if (code < 200 || code > 299) die("HTTP " + std::to_string(code) + " from " + path + ": " + out);
    return out;
  }
};

void strataProducer(int port, std::string token, int k, int producers, size_t bytes, int batch) {
  Http http(port, std::move(token));
  const int64_t n = share(g_total, producers, k);
  waitGo();
  std::string json;
  for (int64_t sent = 0; sent < n;) {
    const int64_t m = std::min<int64_t>(batch, n - sent);
    json = "{\"messages\":[";
    for (int64_t j = 0; j < m; ++j) {
      if (j) json += ',';
      json += "{\"body\":\"" + body(k * g_total + sent + j, bytes) + "\"}";
    }
    json += "]}";
    http.post("/api/v1/queues/bench/messages", json);
    sent += m;
  }
}

void strataConsumer(int port, std::string token, int batch) {
  Http http(port, std::move(token));
  const std::string receive = "{\"max\":" + std::to_string(batch) +
                              ",\"wait_seconds\":1,\"visibility_timeout_seconds\":300}";
  waitGo();
  std::string ack;
  while (g_acked.load() < g_total) {
    std::string got = http.post("/api/v1/queues/bench/receive", receive);
    // The receipts, without a JSON parser: bodies are digits and 'x', so the key is unique.
    ack = "{\"receipts\":[";
    size_t count = 0;
    for (size_t at = got.find("\"receipt\":\""); at != std::string::npos; at = got.find("\"receipt\":\"", at)) {
      at += 11;
      size_t end = got.find('"', at);
      if (count++) ack += ',';
      ack += '"';
      ack.append(got, at, end - at);
      ack += '"';
    }
    if (count == 0) continue;
    ack += "]}";
    std::string r = http.post("/api/v1/queues/bench/ack", ack);
    size_t at = r.find("\"acked\":");
    if (at == std::string::npos) die("no acked count: " + r);
    g_acked += std::atoll(r.c_str() + at + 8);
  }
}

// ------------------------------------------------------------------------------- Redis (RESP)
struct Resp {
  Conn conn;
  explicit Resp(int port) : conn(port) {}

  static void command(std::string& out, const std::vector<std::string_view>& args) {
    out += '*' + std::to_string(args.size()) + "\r\n";
    for (auto a : args) {
      out += '$' + std::to_string(a.size()) + "\r\n";
      out.append(a);
      out += "\r\n";
    }
  }

  // One reply, flattened: bulk strings and integers are appended to `out` in order; returns
  // the element count of a top-level array (-1 for null), or 1 for a scalar.
  int64_t reply(std::vector<std::string>& out) {
    std::string l = conn.line();
    if (l.empty()) die("empty reply line");
    switch (l[0]) {
      case '+':
        out.push_back(l.substr(1));
        return 1;
      case ':':
        out.push_back(l.substr(1));
        return 1;
      case '-':
        die("redis error: " + l);
      case '$': {
        long long n = std::atoll(l.c_str() + 1);
        if (n < 0) return -1;
        out.push_back(conn.take(static_cast<size_t>(n)));
        conn.take(2);
        return 1;
      }
      case '*': {
        long long n = std::atoll(l.c_str() + 1);
        for (long long i = 0; i < n; ++i) reply(out);
        return n;
      }
      default:
        die("bad reply: " + l);
    }
  }
};

void redisProducer(int port, int k, int producers, size_t bytes, int batch) {
  Resp r(port);
  const int64_t n = share(g_total, producers, k);
  waitGo();
  std::string out;
  std::vector<std::string> replies;
  for (int64_t sent = 0; sent < n;) {
    const int64_t m = std::min<int64_t>(batch, n - sent);
    out.clear();
    for (int64_t j = 0; j < m; ++j) {
      std::string b = body(k * g_total + sent + j, bytes);
      Resp::command(out, {"XADD", "bench", "*", "body", b});
    }
    r.conn.send(out);
    replies.clear();
    for (int64_t j = 0; j < m; ++j) r.reply(replies);
    sent += m;
  }
}

void redisConsumer(int port, int id, int batch) {
  Resp r(port);
  const std::string name = "c" + std::to_string(id);
  const std::string count = std::to_string(batch);
  waitGo();
  std::string out;
  std::vector<std::string> flat;
  while (g_acked.load() < g_total) {
    out.clear();
    Resp::command(out, {"XREADGROUP", "GROUP", "g", name, "COUNT", count, "BLOCK", "1000", "STREAMS", "bench", ">"});
    r.conn.send(out);
    flat.clear();
    if (r.reply(flat) <= 0) continue;
    // Flattened: stream name, then per entry: id, "body", body.
    std::vector<std::string_view> ack = {"XACK", "bench", "g"};
    for (size_t i = 1; i + 2 < flat.size(); i += 3) ack.push_back(flat[i]);
    if (ack.size() == 3) continue;
    out.clear();
    Resp::command(out, ack);
    r.conn.send(out);
    std::vector<std::string> n;
    r.reply(n);
    g_acked += std::atoll(n.at(0).c_str());
  }
}

template <class Fn>
std::thread guarded(Fn fn) {
  return std::thread([fn]() {
    try {
      fn();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "worker failed: %s\n", e.what());
      g_failed++;
      g_acked = g_total;  // lets the others stop
    }
  });
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 9) {
    std::fprintf(stderr, "usage: %s strata|redis PORT TOKEN MESSAGES BODY_BYTES PRODUCERS CONSUMERS BATCH\n", argv[0]);
    return 2;
  }
  const std::string side = argv[1];
  const int port = std::atoi(argv[2]);
  const std::string token = argv[3];
  g_total = std::atoll(argv[4]);
  const size_t bytes = std::strtoull(argv[5], nullptr, 10);
  const int producers = std::atoi(argv[6]);
  const int consumers = std::atoi(argv[7]);
  const int batch = std::atoi(argv[8]);

  std::vector<std::thread> threads;
  for (int k = 0; k < producers; ++k) {
    if (side == "strata") {
      threads.push_back(guarded([=] { strataProducer(port, token, k, producers, bytes, batch); }));
    } else {
      threads.push_back(guarded([=] { redisProducer(port, k, producers, bytes, batch); }));
    }
  }
  for (int k = 0; k < consumers; ++k) {
    if (side == "strata") {
      threads.push_back(guarded([=] { strataConsumer(port, token, batch); }));
    } else {
      threads.push_back(guarded([=] { redisConsumer(port, k, batch); }));
    }
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // every connection is up
  const auto t0 = std::chrono::steady_clock::now();
  g_go.store(true, std::memory_order_release);
  for (auto& t : threads) t.join();
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (g_failed > 0) return 1;
  std::printf("%.3f %lld\n", elapsed, static_cast<long long>(g_acked.load()));
  return 0;
}
