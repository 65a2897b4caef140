// HttpClient and Client against a scripted HTTP/1.1 server on 127.0.0.1: keep-alive reuse,
// which calls are retried, error bodies mapped to Status, and streaming into a sink.
#include "client/http.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

#include "client/client.h"

namespace strata::client {
namespace {

struct SeenRequest {
  std::string method, target, body, headers;
};

// Answers each request with the next scripted response (the last one repeats). A response of
// "" closes the connection without answering (a dropped connection).
class ScriptedServer {
 public:
  explicit ScriptedServer(std::vector<std::string> script) : script_(script.begin(), script.end()) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    EXPECT_EQ(::listen(fd_, 16), 0);
    socklen_t len = sizeof(addr);
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { acceptLoop(); });
  }
  ~ScriptedServer() {
    stop_ = true;
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int connections() const { return connections_; }
  std::vector<SeenRequest> seen() {
    std::lock_guard lock(mu_);
    return seen_;
  }

 private:
  void acceptLoop() {
    while (!stop_) {
      const int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      ++connections_;
      serve(c);  // one connection at a time is enough for these tests
      ::close(c);
    }
  }
  void serve(int c) {
    std::string buf;
    char tmp[65536];
    for (;;) {
      size_t end;
      while ((end = buf.find("\r\n\r\n")) == std::string::npos) {
        const ssize_t n = ::recv(c, tmp, sizeof(tmp), 0);
        if (n <= 0) return;
        buf.append(tmp, n);
      }
      SeenRequest r;
      r.headers = buf.substr(0, end);
      const auto sp1 = r.headers.find(' '), sp2 = r.headers.find(' ', sp1 + 1);
      r.method = r.headers.substr(0, sp1);
      r.target = r.headers.substr(sp1 + 1, sp2 - sp1 - 1);
      size_t length = 0;
      if (auto p = r.headers.find("Content-Length: "); p != std::string::npos) length = std::stoul(r.headers.substr(p + 16));
      buf.erase(0, end + 4);
      while (buf.size() < length) {
        const ssize_t n = ::recv(c, tmp, sizeof(tmp), 0);
        if (n <= 0) return;
        buf.append(tmp, n);
      }
      r.body = buf.substr(0, length);
      buf.erase(0, length);
      std::string resp;
      {
        std::lock_guard lock(mu_);
        seen_.push_back(r);
        resp = script_.size() > 1 ? script_.front() : script_.back();
        if (script_.size() > 1) script_.pop_front();
      }
      if (resp.empty()) return;  // drop the connection
      ::send(c, resp.data(), resp.size(), MSG_NOSIGNAL);
    }
  }

  std::mutex mu_;
  std::deque<std::string> script_;  // guarded by mu_
  std::vector<SeenRequest> seen_;   // guarded by mu_
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> connections_{0};
  std::thread thread_;
};

std::string response(int status, const std::string& body) {
  return "HTTP/1.1 " + std::to_string(status) + " X\r\nContent-Type: application/json\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + body;
}

HttpClient::Options fastRetries(const std::string& url) {
  HttpClient::Options o;
  o.base_url = url;
  o.token = "secret";
  o.max_attempts = 3;
  o.initial_backoff_ms = 1;
  o.max_backoff_ms = 5;
  return o;
}

TEST(HttpTest, ReusesOneConnectionAndSendsToken) {
  ScriptedServer server({response(200, "{}")});
  HttpClient http(fastRetries(server.url()));
  for (int i = 0; i < 5; ++i) {
    HttpRequest req;
    req.target = "/api/v1/whoami";
    auto resp = http.send(req);
    ASSERT_TRUE(resp.ok()) << resp.status().toString();
    EXPECT_EQ(resp->status, 200);
  }
  EXPECT_EQ(server.connections(), 1);
  auto seen = server.seen();
  ASSERT_EQ(seen.size(), 5u);
  EXPECT_NE(seen[0].headers.find("Authorization: Bearer secret"), std::string::npos);
}

TEST(HttpTest, RetriesIdempotentCallsOn5xxOnly) {
  ScriptedServer server({response(503, R"({"error":{"code":"busy","message":"later"}})"), response(200, "ok")});
  HttpClient http(fastRetries(server.url()));
  HttpRequest get;
  get.target = "/x";
  get.idempotent = true;
  auto resp = http.send(get);
  ASSERT_TRUE(resp.ok());
  EXPECT_EQ(resp->status, 200);
  EXPECT_EQ(server.seen().size(), 2u);
}

TEST(HttpTest, DoesNotRetryNonIdempotentCalls) {
  ScriptedServer server({response(503, R"({"error":{"code":"busy","message":"later"}})"), response(200, "ok")});
  HttpClient http(fastRetries(server.url()));
  HttpRequest post;
  post.method = "POST";
  post.target = "/move";
  post.body = "{}";
  auto resp = http.send(post);
  ASSERT_TRUE(resp.ok());
  EXPECT_EQ(resp->status, 503);
  EXPECT_EQ(server.seen().size(), 1u);
}

TEST(HttpTest, RetriesDroppedConnectionForIdempotentCall) {
  ScriptedServer server({"", response(200, "fine")});
  HttpClient http(fastRetries(server.url()));
  HttpRequest req;
  req.target = "/y";
  req.idempotent = true;
  auto resp = http.send(req);
  ASSERT_TRUE(resp.ok()) << resp.status().toString();
  EXPECT_EQ(resp->body, "fine");
}

TEST(HttpTest, ConnectionRefusedIsUnavailable) {
  int port;
  {
    ScriptedServer server({response(200, "")});
    port = std::stoi(server.url().substr(server.url().rfind(':') + 1));
  }
  HttpClient http(fastRetries("http://127.0.0.1:" + std::to_string(port)));
  HttpRequest req;
  req.target = "/";
  req.idempotent = true;
  auto resp = http.send(req);
  EXPECT_EQ(resp.status().code(), Code::kUnavailable);
  EXPECT_NE(resp.status().message().find("cannot reach"), std::string::npos);
}

TEST(HttpTest, StreamsBodyIntoSinkAndErrorsAreBuffered) {
  const std::string big(300000, 'q');
  ScriptedServer server({response(200, big), response(404, R"({"error":{"code":"not_found","message":"gone"}})")});
  HttpClient http(fastRetries(server.url()));
  std::string got;
  HttpRequest req;
  req.target = "/content";
  req.sink = [&](std::string_view d) {
    got.append(d);
    return Status::OK();
  };
  auto resp = http.send(req);
  ASSERT_TRUE(resp.ok());
  EXPECT_EQ(got, big);
  EXPECT_TRUE(resp->body.empty());
  got.clear();
  resp = http.send(req);
  ASSERT_TRUE(resp.ok());
  EXPECT_EQ(resp->status, 404);
  EXPECT_TRUE(got.empty());
  EXPECT_NE(resp->body.find("gone"), std::string::npos);
}

TEST(ClientTest, MapsServerErrorsAndEncodesPaths) {
  ScriptedServer server({response(404, R"({"error":{"code":"not_found","message":"no such file or directory: /a b"}})")});
  Client client(Client::Options{server.url(), "t", 1});
  auto st = client.stat("default", "/a b");
  EXPECT_EQ(st.status().code(), Code::kNotFound);
  EXPECT_EQ(st.status().message(), "no such file or directory: /a b");
  ASSERT_EQ(server.seen().size(), 1u);
  EXPECT_EQ(server.seen()[0].target, "/api/v1/fs/default/stat?path=/a%20b");
}

TEST(ClientTest, ReadChunkVerifiesTheId) {
  ScriptedServer server({response(200, "tampered")});
  Client client(Client::Options{server.url(), "t", 1});
  auto chunk = client.readChunk("default", Sha256::of("original"));
  EXPECT_EQ(chunk.status().code(), Code::kCorruption);
}

TEST(ClientTest, PutChunksSendsBatchBody) {
  ScriptedServer server({response(201, R"({"stored":2})")});
  Client client(Client::Options{server.url(), "t", 1});
  const std::string a = "aa", b = "bbb";
  ChunkBody bodies[] = {{Sha256::of(a), a}, {Sha256::of(b), b}};
  ASSERT_TRUE(client.putChunks("default", "u-1", bodies).ok());
  auto seen = server.seen();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].method, "POST");
  EXPECT_EQ(seen[0].target, "/api/v1/fs/default/chunks?upload_id=u-1");
  EXPECT_EQ(seen[0].body, encodeChunkBatch(bodies));
}

}  // namespace
}  // namespace strata::client
