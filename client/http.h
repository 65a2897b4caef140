// A small HTTP/1.1 client for the Strata REST API: one base URL, one bearer token, kept-alive
// connections, retries with backoff. libcurl stays inside http.cc.
//
// Connections: a pool of libcurl easy handles. A request borrows an idle handle (or makes one)
// and returns it afterwards, so each handle keeps its TCP connection alive across requests and
// N threads use at most N connections at once. Idle handles beyond `max_idle_handles` are closed.
//
// Retries: only for requests marked `idempotent`, on connection-level failures (refused, reset,
// timeout) and on 5xx answers other than 501, with exponential backoff and jitter. A streaming
// request (with a sink) is retried only while no body byte has reached the sink yet, so a sink
// never sees a byte twice.
//
// Thread-safety: HttpClient is thread-safe; send() may be called from any number of threads.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace strata::client {

// Receives the body of a 2xx response piece by piece. Returning an error aborts the transfer;
// that error is what send() returns.
using Sink = std::function<Status(std::string_view)>;

struct HttpRequest {
  std::string method = "GET";  // GET, POST, PUT, DELETE
  std::string target;          // path and query, e.g. "/api/v1/fs/default/stat?path=%2Fa"
  std::string_view body;       // borrowed: the caller keeps it alive during send()
  std::string content_type;    // sent when non-empty
  std::vector<std::string> headers;  // extra "Name: value" lines
  bool idempotent = false;
  Sink sink;  // when set, a 2xx body goes here and HttpResponse::body stays empty
};

struct HttpResponse {
  int status = 0;
  std::string body;  // the whole body, unless streamed to a sink (error bodies are never streamed)
};

class HttpClient {
 public:
  struct Options {
    std::string base_url;  // "http://127.0.0.1:7070" (a trailing '/' is ignored)
    std::string token;     // bearer token; no Authorization header when empty
    int max_attempts = 5;  // for idempotent requests; 1 = no retry
    int initial_backoff_ms = 100;
    int max_backoff_ms = 3000;
    long connect_timeout_ms = 10000;
    // A transfer slower than 1 byte/s for this long is aborted (a dead peer); no total timeout,
    // so a large streaming transfer can take as long as it needs.
    long stall_timeout_s = 120;
    size_t max_idle_handles = 64;
  };

  explicit HttpClient(Options options);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Performs `req`. Any HTTP answer, 4xx and 5xx included, is returned as an HttpResponse (the
  // caller maps error bodies to a Status); only transport failures, after the retries, are an
  // error Status: kUnavailable (cannot connect, connection lost) or kTimedOut.
  Result<HttpResponse> send(const HttpRequest& req) const;

  const std::string& baseUrl() const { return options_.base_url; }

 private:
  struct Pool;
  Options options_;
  std::unique_ptr<Pool> pool_;
};

// Percent-encodes `s` for a query value or path segment (RFC 3986: unreserved characters stay;
// '/' stays too when `keep_slash`).
std::string urlEncode(std::string_view s, bool keep_slash = true);

}  // namespace strata::client
