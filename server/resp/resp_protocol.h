// The Redis serialization protocol (RESP2 and RESP3), both directions, with nothing of the
// network in it (server/resp/resp_server.cc owns the sockets).
//
// RequestParser turns the bytes of a connection into commands (arrays of bulk strings, or
// inline commands as telnet users type them), incrementally: feed what arrived, take every
// complete command, keep the rest. ReplyWriter appends replies in the protocol version the
// connection negotiated (HELLO 3 switches to RESP3: nulls, maps, doubles).
// Not thread-safe: one per connection.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace strata::server::resp {

// Bulk strings larger than this are a protocol error that closes the connection, as Redis
// does past proto-max-bulk-len. It is far above the KV value limit (256 KiB) so that an
// oversized value is read whole and answered with a clear error instead of a dropped connection.
constexpr size_t kMaxBulkBytes = 64ull << 20;
constexpr size_t kMaxArgs = 1024 * 1024;
constexpr size_t kMaxInlineBytes = 64 * 1024;

using Command = std::vector<std::string>;

class RequestParser {
 public:
  void feed(std::string_view bytes) { buffer_.append(bytes); }
  // Next complete command, nullopt when more bytes are needed. After a protocol error,
  // error() is set and the connection must be closed.
  std::optional<Command> next();
  // As next(), into `cmd`, reusing its strings' capacity (the server's hot path: no
  // allocation per command once warm). False when no complete command is buffered.
  bool next(Command& cmd);
  const std::string& error() const { return error_; }
  size_t buffered() const { return buffer_.size() - pos_; }

 private:
  enum class LineResult { kOk, kIncomplete, kBad };
  // Parses the length line ("*3\r\n", "$5\r\n") starting at `at`, moving `at` past it.
  LineResult parseLengthLine(size_t& at, int64_t& out) const;
  bool parseInline(Command& cmd);
  void compact();

  std::string buffer_;
  size_t pos_ = 0;
  std::string error_;
  std::vector<std::pair<size_t, size_t>> spans_;  // next(): offset and length of each argument
};

class ReplyWriter {
 public:
  explicit ReplyWriter(std::string& out) : out_(out) {}

  void setProtocol(int version) { resp3_ = version >= 3; }
  bool resp3() const { return resp3_; }

  void simple(std::string_view s);      // +OK
  void error(std::string_view s);       // -ERR ... (the text carries its own prefix: "ERR x")
  void integer(int64_t v);              // :1
  void bulk(std::string_view s);        // $3\r\nabc
  void null();                          // $-1 (RESP2) or _ (RESP3)
  void nullArray();                     // *-1 (RESP2) or _ (RESP3)
  void arrayHeader(size_t n);           // *n
  void mapHeader(size_t n);             // %n (RESP3) or *2n (RESP2)
  void boolean(bool v);                 // #t (RESP3) or :1 (RESP2)

 private:
  std::string& out_;
  bool resp3_ = false;
};

}  // namespace strata::server::resp
