#include "server/http/connection.h"

#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/sendfile.h>
#include <sys/socket.h>

#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <cstring>
#include <limits>
#include <optional>
#include <string>

#include "common/clock.h"
#include "server/http/exchange.h"
#include "server/http/router.h"

namespace strata::server::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

// Room for a KV key of 32 KiB percent-encoded in the path (up to 3 bytes per key byte) plus
// ordinary headers; a head larger than this is 431.
constexpr size_t kHeaderLimit = 128 * 1024;
// A body a handler did not read is drained (to keep the connection) when at most this large;
// a bigger one closes the connection instead.
constexpr uint64_t kDrainLimit = 1ull << 20;

// Arms the watchdog for one blocking call.
class Deadline {
 public:
  Deadline(ConnectionSlot& slot, std::chrono::seconds timeout) : slot_(slot) {
    slot_.deadline_ns.store(monotonicNanos() +
                            std::chrono::duration_cast<std::chrono::nanoseconds>(timeout).count());
  }
  ~Deadline() { slot_.deadline_ns.store(0); }

 private:
  ConnectionSlot& slot_;
};

class BeastExchange final : public Exchange {
 public:
  using Parser = bhttp::request_parser<bhttp::buffer_body>;

  BeastExchange(tcp::socket& socket, beast::flat_buffer& buffer, Parser& parser,
                ConnectionSlot& slot, const std::atomic<bool>& stopping,
                ConnectionTimeouts timeouts)
      : socket_(socket), buffer_(buffer), parser_(parser), slot_(slot), stopping_(stopping),
        timeouts_(timeouts) {
    const auto& req = parser_.get();
    keep_alive_ = req.keep_alive();
    auto expect = req.find(bhttp::field::expect);
    expect_continue_ = expect != req.end() && beast::iequals(expect->value(), "100-continue");
    head_ = req.method() == bhttp::verb::head;
    if (!parser_.is_done() && !parser_.chunked() && parser_.content_length()) {
      direct_body_ = true;
      direct_body_left_ = *parser_.content_length();
    }
  }

  std::string_view method() const override {
    auto m = parser_.get().method_string();
    return {m.data(), m.size()};
  }
  std::string_view target() const override {
    auto t = parser_.get().target();
    return {t.data(), t.size()};
  }
  std::optional<std::string_view> header(std::string_view name) const override {
    const auto& req = parser_.get();
    auto it = req.find(beast::string_view(name.data(), name.size()));
    if (it == req.end()) return std::nullopt;
    return std::string_view(it->value().data(), it->value().size());
  }
  Headers headers() const override {
    Headers out;
    for (const auto& field : parser_.get()) {
      out.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    return out;
  }
  std::optional<uint64_t> contentLength() const override {
    auto len = parser_.content_length();
    if (!len) return std::nullopt;
    return *len;
  }

  Result<size_t> readSome(char* dst, size_t size, uint64_t limit) override {
    if (bodyDone() || size == 0) return size_t{0};
    if (broken_) return ioError("connection failed");
    RETURN_IF_ERROR(sendContinue());
    if (direct_body_left_ > 0) return readDirect(dst, size, limit);
    auto& body = parser_.get().body();
    body.data = dst;
    body.size = size;
    beast::error_code ec;
    {
      Deadline deadline(slot_, timeouts_.io);
      bhttp::read(socket_, buffer_, parser_, ec);
    }
    if (ec == bhttp::error::need_buffer) ec = {};
    size_t n = size - body.size;
    body.data = nullptr;
    body.size = 0;
    if (ec) {
      broken_ = true;
      return ioError("reading request body: ", ec.message());
    }
    bytes_in_ += n;
    if (bytes_in_ > limit) {
      keep_alive_ = false;  // the rest of this body is never read
      return Status(Code::kTooLarge, "request body is over this route's limit of " +
                                         std::to_string(limit) + " bytes");
    }
    return n;
  }

  // A Content-Length body bypasses the parser: bytes the head's read already buffered are
  // taken from the buffer, the rest is received straight into `dst`, in as large pieces as the
  // socket has (the parser would copy every byte once more, through a 64 KiB buffer).
  Result<size_t> readDirect(char* dst, size_t size, uint64_t limit) {
    const size_t want = static_cast<size_t>(std::min<uint64_t>(size, direct_body_left_));
    size_t n = 0;
    if (buffer_.size() > 0) {
      n = asio::buffer_copy(asio::buffer(dst, want), buffer_.data());
      buffer_.consume(n);
    } else {
      beast::error_code ec;
      {
        Deadline deadline(slot_, timeouts_.io);
        n = socket_.read_some(asio::buffer(dst, want), ec);
      }
      if (ec) {
        broken_ = true;
        return ioError("reading request body: ", ec.message());
      }
    }
    direct_body_left_ -= n;
    bytes_in_ += n;
    if (bytes_in_ > limit) {
      keep_alive_ = false;  // the rest of this body is never read
      return Status(Code::kTooLarge, "request body is over this route's limit of " +
                                         std::to_string(limit) + " bytes");
    }
    return n;
  }

  Result<std::string> readBody(uint64_t limit) override {
    std::string out;
    if (auto len = contentLength()) {
      if (*len > limit) {
        keep_alive_ = false;
        return Status(Code::kTooLarge, "request body of " + std::to_string(*len) +
                                           " bytes is over this route's limit of " +
                                           std::to_string(limit));
      }
      out.resize(*len);
      size_t got = 0;
      while (got < out.size()) {
        ASSIGN_OR_RETURN(size_t n, readSome(out.data() + got, out.size() - got, limit));
        if (n == 0) break;
        got += n;
      }
      if (got != out.size()) return ioError("request body ended early");
      return out;
    }
    // Chunked: grow as it comes, bounded by the limit.
    char piece[64 * 1024];
    for (;;) {
      ASSIGN_OR_RETURN(size_t n, readSome(piece, sizeof(piece), limit));
      if (n == 0) return out;
      out.append(piece, n);
    }
  }

  Status send(int status, const Headers& headers, std::string_view body) override {
    if (responded_) return internalError("response already sent");
    prepareToRespond();
    bhttp::response<bhttp::string_body> res{static_cast<bhttp::status>(status), 11};
    setCommonHeaders(res, headers);
    if (head_) {
      res.content_length(body.size());
    } else {
      res.body() = std::string(body);
      res.prepare_payload();
    }
    status_ = status;
    responded_ = true;
    RETURN_IF_ERROR(writeMessage(res, /*head_only=*/head_, "writing response"));
    if (!head_) bytes_out_ += body.size();
    return Status::OK();
  }

  Status startStream(int status, const Headers& headers, uint64_t content_length) override {
    if (responded_) return internalError("response already sent");
    prepareToRespond();
    bhttp::response<bhttp::empty_body> res{static_cast<bhttp::status>(status), 11};
    setCommonHeaders(res, headers);
    res.content_length(content_length);
    status_ = status;
    responded_ = true;
    stream_left_ = head_ ? 0 : content_length;
    // Only the head: the body follows through write().
    return writeMessage(res, /*head_only=*/true, "writing response head");
  }

  Status write(std::string_view bytes) override {
    if (head_ || bytes.empty()) return Status::OK();
    if (broken_) return ioError("connection failed");
    if (bytes.size() > stream_left_) return internalError("streamed body longer than announced");
    beast::error_code ec;
    {
      Deadline deadline(slot_, timeouts_.io);
      asio::write(socket_, asio::buffer(bytes.data(), bytes.size()), ec);
    }
    if (ec) {
      broken_ = true;
      return ioError("writing response body: ", ec.message());
    }
    stream_left_ -= bytes.size();
    bytes_out_ += bytes.size();
    return Status::OK();
  }

  Status sendFile(int fd, uint64_t offset, uint64_t length) override {
    if (head_ || length == 0) return Status::OK();
    if (broken_) return ioError("connection failed");
    if (length > stream_left_) return internalError("streamed body longer than announced");
    const int sock = socket_.native_handle();
    auto off = static_cast<off_t>(offset);
    uint64_t left = length;
    Deadline deadline(slot_, timeouts_.io);
    while (left > 0) {
      ssize_t n = ::sendfile(sock, fd, &off, static_cast<size_t>(std::min<uint64_t>(left, 1u << 30)));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        pollfd p{sock, POLLOUT, 0};
        ::poll(&p, 1, -1);  // the watchdog shuts the socket down when the deadline passes
        continue;
      }
      if (n <= 0) {
        broken_ = true;
        return ioError("sending response body: ",
                       n == 0 ? std::string("file ended early") : std::string(std::strerror(errno)));
      }
      left -= static_cast<uint64_t>(n);
    }
    stream_left_ -= length;
    bytes_out_ += length;
    return Status::OK();
  }

  bool responded() const override { return responded_; }
  int responseStatus() const override { return status_; }
  uint64_t bytesIn() const override { return bytes_in_; }
  uint64_t bytesOut() const override { return bytes_out_; }

  // After the handler: may the connection serve another request?
  bool reusable() const { return responded_ && !broken_ && stream_left_ == 0 && keep_alive_; }

 private:
  // Whether the whole request body has been read.
  bool bodyDone() const { return direct_body_ ? direct_body_left_ == 0 : parser_.is_done(); }

  // Sends "100 Continue" the first time the body is wanted, when the client asked for it
  // (curl waits a second for it before sending a large body otherwise).
  Status sendContinue() {
    if (!expect_continue_ || continue_sent_ || responded_) return Status::OK();
    continue_sent_ = true;
    bhttp::response<bhttp::empty_body> res{bhttp::status::continue_, 11};
    return writeMessage(res, /*head_only=*/false, "writing 100 Continue");
  }

  // Writes a response (or only its head), under the I/O deadline.
  template <class Body>
  Status writeMessage(bhttp::response<Body>& res, bool head_only, std::string_view what) {
    beast::error_code ec;
    {
      Deadline deadline(slot_, timeouts_.io);
      if (head_only) {
        bhttp::response_serializer<Body> sr{res};
        bhttp::write_header(socket_, sr, ec);
      } else {
        bhttp::write(socket_, res, ec);
      }
    }
    if (ec) {
      broken_ = true;
      return ioError(what, ": ", ec.message());
    }
    return Status::OK();
  }

  // The unread part of the request body must be consumed before the next request on this
  // connection can be parsed: drain it when small, otherwise close after this response.
  void prepareToRespond() {
    if (stopping_.load()) keep_alive_ = false;
    if (bodyDone() || !keep_alive_ || broken_) return;
    if (expect_continue_ && !continue_sent_) {
      keep_alive_ = false;  // the client may or may not send the body now: cannot frame it
      return;
    }
    auto len = contentLength();
    if (!len || *len - bytes_in_ > kDrainLimit) {
      keep_alive_ = false;
      return;
    }
    char scratch[16 * 1024];
    while (!bodyDone()) {
      auto n = readSome(scratch, sizeof(scratch), std::numeric_limits<uint64_t>::max());
      if (!n.ok() || *n == 0) break;
    }
    if (!bodyDone()) keep_alive_ = false;
  }

  template <class Response>
  void setCommonHeaders(Response& res, const Headers& headers) {
    res.set(bhttp::field::server, "strata");
    for (const auto& [name, value] : headers) res.set(name, value);
    res.keep_alive(keep_alive_);
  }

  tcp::socket& socket_;
  beast::flat_buffer& buffer_;
  Parser& parser_;
  ConnectionSlot& slot_;
  const std::atomic<bool>& stopping_;
  ConnectionTimeouts timeouts_;
  bool keep_alive_ = true;
  bool expect_continue_ = false;
  bool continue_sent_ = false;
  bool head_ = false;
  bool responded_ = false;
  bool broken_ = false;
  int status_ = 0;
  uint64_t stream_left_ = 0;
  bool direct_body_ = false;       // a Content-Length body, read around the parser
  uint64_t direct_body_left_ = 0;
  uint64_t bytes_in_ = 0;
  uint64_t bytes_out_ = 0;
};

// A request head that does not parse: answer once and close.
void rejectMalformed(tcp::socket& socket, int status, const std::string& message) {
  bhttp::response<bhttp::string_body> res{static_cast<bhttp::status>(status), 11};
  res.set(bhttp::field::server, "strata");
  res.set(bhttp::field::content_type, "application/json");
  res.keep_alive(false);
  res.body() = R"({"error":{"code":"invalid_argument","message":")" + message + "\"}}\n";
  res.prepare_payload();
  beast::error_code ec;
  bhttp::write(socket, res, ec);
}

}  // namespace

void serveConnection(tcp::socket socket, ConnectionSlot& slot, const Router& router,
                     const std::atomic<bool>& stopping, ConnectionTimeouts timeouts) {
  serveConnection(std::move(socket), slot, [&router](Exchange& ex) { router.dispatch(ex); },
                  stopping, timeouts);
}

void serveConnection(tcp::socket socket, ConnectionSlot& slot,
                     const std::function<void(Exchange&)>& handler,
                     const std::atomic<bool>& stopping, ConnectionTimeouts timeouts) {
  beast::flat_buffer buffer;
  // Beast reads at most the buffer's spare capacity (floor 512 bytes) per recv: without this a
  // 4 MiB body arrives in thousands of tiny reads.
  buffer.reserve(64 * 1024);
  for (;;) {
    slot.idle.store(true);
    if (stopping.load()) break;
    BeastExchange::Parser parser;
    parser.header_limit(kHeaderLimit);
    parser.body_limit(std::numeric_limits<std::uint64_t>::max());  // routes enforce theirs
    beast::error_code ec;
    {
      Deadline deadline(slot, timeouts.idle);
      bhttp::read_header(socket, buffer, parser, ec);
    }
    slot.idle.store(false);
    if (ec) {
      if (ec == bhttp::error::header_limit) {
        rejectMalformed(socket, 431, "request head is too large");
      } else if (&ec.category() == &bhttp::make_error_code(bhttp::error::bad_target).category() &&
                 ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message) {
        rejectMalformed(socket, 400, "malformed HTTP request");
      }
      break;  // end of stream, reset, timeout (socket shut down), or answered above
    }
    BeastExchange ex(socket, buffer, parser, slot, stopping, timeouts);
    handler(ex);
    if (!ex.reusable()) break;
  }
  // Lingering close: half-close, then discard what the client still sends for a moment, so a
  // client that is mid-body (after a 413, say) reads our response instead of a reset.
  beast::error_code ec;
  socket.shutdown(tcp::socket::shutdown_send, ec);
  if (!ec) {
    Deadline deadline(slot, std::chrono::seconds(2));
    char scratch[16 * 1024];
    uint64_t discarded = 0;
    while (discarded < (8ull << 20)) {
      size_t n = socket.read_some(asio::buffer(scratch), ec);
      if (ec) break;
      discarded += n;
    }
  }
  socket.close(ec);
}

}  // namespace strata::server::http
