// Exchange: one HTTP request/response pair as route handlers see it, with nothing of Boost in
// the interface (handlers and tests include this; only connection.cc knows Beast).
//
// The request head is parsed before a handler runs; the body is NOT read yet, so a handler can
// reject a request (auth, size) without ever receiving its bytes, and can stream a large body
// piece by piece. A handler sends exactly one response: either whole (send) or streamed
// (startStream + write...), which is how downloads never hold a whole file in memory.
//
// Not thread-safe: an Exchange belongs to the connection thread serving it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace strata::server::http {

using Headers = std::vector<std::pair<std::string, std::string>>;

class Exchange {
 public:
  virtual ~Exchange() = default;

  // --- request head ---
  virtual std::string_view method() const = 0;  // "GET", "PUT", ...
  virtual std::string_view target() const = 0;  // raw request target: "/a/b?x=1"
  // First value of a header (case-insensitive name), nullopt when absent.
  virtual std::optional<std::string_view> header(std::string_view name) const = 0;
  // Every request header as sent (name case preserved), for protocols whose headers are open
  // sets (S3's x-amz-meta-*). The default (for exchanges that cannot list) is none.
  virtual Headers headers() const { return {}; }
  // Content-Length when the request declares one; nullopt for chunked bodies.
  virtual std::optional<uint64_t> contentLength() const = 0;

  // --- request body ---
  // Reads up to `size` body bytes into `dst`; 0 means the body is complete. kTooLarge once
  // more than `limit` bytes in total arrived; kIOError when the client went away.
  virtual Result<size_t> readSome(char* dst, size_t size, uint64_t limit) = 0;
  // The whole body, when it is at most `limit` bytes (kTooLarge otherwise).
  virtual Result<std::string> readBody(uint64_t limit) = 0;

  // --- response ---
  // A complete response. Content-Length is set from `body`.
  virtual Status send(int status, const Headers& headers, std::string_view body) = 0;
  // Starts a response of exactly `content_length` body bytes, sent with write(). For HEAD
  // requests the body is suppressed but Content-Length still announces it.
  virtual Status startStream(int status, const Headers& headers, uint64_t content_length) = 0;
  virtual Status write(std::string_view bytes) = 0;
  // write() of bytes [offset, offset + length) of the open file `fd`, sent by the kernel
  // (sendfile(2)) without passing through this process's memory. The caller guarantees the
  // file holds those bytes.
  virtual Status sendFile(int fd, uint64_t offset, uint64_t length) = 0;

  // True once a response head has been sent (an error after that can only drop the connection).
  virtual bool responded() const = 0;
  virtual int responseStatus() const = 0;
  // Bytes of request body read and response body written so far (for metrics).
  virtual uint64_t bytesIn() const = 0;
  virtual uint64_t bytesOut() const = 0;
};

}  // namespace strata::server::http
