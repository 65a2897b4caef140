#include "client/http.h"

#include <curl/curl.h>

#include <algorithm>
#include <chrono>
#include <mutex>
#include <random>
#include <thread>

namespace strata::client {
namespace {

// Error bodies are short JSON; cap what is kept of a misbehaving server's answer.
constexpr size_t kMaxErrorBody = 64 << 10;
constexpr long kReceiveBufferBytes = 512L << 10;

void globalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct Transfer {
  const HttpRequest* req = nullptr;
  CURL* curl = nullptr;
  std::string body;
  bool streamed = false;  // a byte reached the sink
  Status sink_error;
};

size_t onWrite(char* data, size_t size, size_t nmemb, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t n = size * nmemb;
  long code = 0;
  curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &code);
  if (t->req->sink && code >= 200 && code < 300) {
    t->streamed = true;
    Status st = t->req->sink(std::string_view(data, n));
    if (!st.ok()) {
      t->sink_error = std::move(st);
      return CURL_WRITEFUNC_ERROR;
    }
    return n;
  }
  const bool is_error = code >= 300;
  if (is_error && t->body.size() >= kMaxErrorBody) return n;  // drop the excess, keep reading
  t->body.append(data, n);
  return n;
}

bool retryableHttp(int status) { return status >= 500 && status != 501; }

}  // namespace

struct HttpClient::Pool {
  std::mutex mu;
  std::vector<CURL*> idle;  // guarded by mu

  ~Pool() {
    for (CURL* c : idle) curl_easy_cleanup(c);
  }
  CURL* acquire() {
    {
      std::lock_guard lock(mu);
      if (!idle.empty()) {
        CURL* c = idle.back();
        idle.pop_back();
        // reset keeps the live connection and DNS cache, which is the point of the pool
        curl_easy_reset(c);
        return c;
      }
    }
    return curl_easy_init();
  }
  void release(CURL* c, size_t max_idle) {
    std::lock_guard lock(mu);
    if (idle.size() < max_idle) {
      idle.push_back(c);
      return;
    }
    curl_easy_cleanup(c);
  }
};

HttpClient::HttpClient(Options options) : options_(std::move(options)), pool_(std::make_unique<Pool>()) {
  globalInit();
  while (!options_.base_url.empty() && options_.base_url.back() == '/') options_.base_url.pop_back();
  options_.max_attempts = std::max(1, options_.max_attempts);
}

HttpClient::~HttpClient() = default;

Result<HttpResponse> HttpClient::send(const HttpRequest& req) const {
  const std::string url = options_.base_url + req.target;
  thread_local std::minstd_rand rng{std::random_device{}()};
  const int attempts = req.idempotent ? options_.max_attempts : 1;
  Status last_error;
  for (int attempt = 1;; ++attempt) {
    CURL* curl = pool_->acquire();
    if (curl == nullptr) return Status(Code::kInternal, "cannot create an HTTP handle");
    Transfer t;
    t.req = &req;
    t.curl = curl;

    curl_slist* headers = nullptr;
    std::string auth;
    if (!options_.token.empty()) {
      auth = "Authorization: Bearer " + options_.token;
      headers = curl_slist_append(headers, auth.c_str());
    }
    std::string ctype;
    if (!req.content_type.empty()) {
      ctype = "Content-Type: " + req.content_type;
      headers = curl_slist_append(headers, ctype.c_str());
    }
    // No "Expect: 100-continue" round trip before a chunk body: the server reads it anyway.
    headers = curl_slist_append(headers, "Expect:");
    for (const auto& h : req.headers) headers = curl_slist_append(headers, h.c_str());

    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_TCP_NODELAY, 1L);
    // libcurl's default 16 KiB receive buffer costs a poll and a recv per 16 KiB: a 4 MiB chunk
    // took ~500 of each. 512 KiB cuts that by 32x (curl caps it at CURL_MAX_READ_SIZE).
    curl_easy_setopt(curl, CURLOPT_BUFFERSIZE, kReceiveBufferBytes);
    curl_easy_setopt(curl, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, options_.connect_timeout_ms);
    curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, options_.stall_timeout_s);
    curl_easy_setopt(curl, CURLOPT_USERAGENT, "strata-client/0.1");
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, onWrite);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &t);
    if (req.method == "GET") {
      curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
    } else {
      curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, req.method.c_str());
      if (req.method != "DELETE" || !req.body.empty()) {
        // POSTFIELDS with an explicit size sends the body as is (binary safe, no copy).
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(req.body.size()));
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, req.body.data() ? req.body.data() : "");
      }
    }

    const CURLcode rc = curl_easy_perform(curl);
    long code = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
    curl_slist_free_all(headers);
    if (rc != CURLE_OK) {
      // A failed transfer may leave the connection in an unknown state: do not reuse it.
      curl_easy_cleanup(curl);
    } else {
      pool_->release(curl, options_.max_idle_handles);
    }

    if (!t.sink_error.ok()) return t.sink_error;
    if (rc == CURLE_OK && !(req.idempotent && retryableHttp(static_cast<int>(code)) && attempt < attempts)) {
      HttpResponse resp;
      resp.status = static_cast<int>(code);
      resp.body = std::move(t.body);
      return resp;
    }
    if (rc != CURLE_OK) {
      const Code c = rc == CURLE_OPERATION_TIMEDOUT ? Code::kTimedOut : Code::kUnavailable;
      last_error = Status(c, std::string("cannot reach ") + options_.base_url + ": " + curl_easy_strerror(rc));
    }
    if (attempt >= attempts || t.streamed) {
      return last_error.ok() ? Status(Code::kUnavailable, "server error") : last_error;
    }
    // Exponential backoff with full jitter, so many workers do not retry in lockstep.
    const int cap = std::min(options_.max_backoff_ms, options_.initial_backoff_ms << std::min(attempt - 1, 10));
    std::uniform_int_distribution<int> dist(cap / 2, std::max(cap / 2, cap));
    std::this_thread::sleep_for(std::chrono::milliseconds(dist(rng)));
  }
}

std::string urlEncode(std::string_view s, bool keep_slash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size() + 8);
  for (unsigned char c : s) {
    const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                            c == '-' || c == '.' || c == '_' || c == '~' || (keep_slash && c == '/');
    if (unreserved) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

}  // namespace strata::client
