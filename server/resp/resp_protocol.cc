#include "server/resp/resp_protocol.h"

#include <charconv>

namespace strata::server::resp {
namespace {

bool parseLength(std::string_view digits, int64_t& out) {
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), out);
  return ec == std::errc() && end == digits.data() + digits.size();
}

}  // namespace

size_t RequestParser::lineEnd(size_t at) const {
  size_t cr = buffer_.find("\r\n", at);
  return cr;
}

void RequestParser::compact() {
  // Drop consumed bytes once they dominate the buffer, so pipelined input stays O(n).
  if (pos_ > 0 && (pos_ == buffer_.size() || pos_ > 64 * 1024)) {
    buffer_.erase(0, pos_);
    pos_ = 0;
  }
}

std::optional<Command> RequestParser::next() {
  if (!error_.empty() || pos_ >= buffer_.size()) {
    compact();
    return std::nullopt;
  }
  if (buffer_[pos_] != '*') return parseInline();

  size_t at = pos_;
  size_t end = lineEnd(at);
  if (end == std::string::npos) {
    if (buffer_.size() - at > 64) error_ = "Protocol error: invalid multibulk length";
    return std::nullopt;
  }
  int64_t count = 0;
  if (!parseLength(std::string_view(buffer_).substr(at + 1, end - at - 1), count) ||
      count > static_cast<int64_t>(kMaxArgs)) {
    error_ = "Protocol error: invalid multibulk length";
    return std::nullopt;
  }
  at = end + 2;
  Command cmd;
  if (count > 0) cmd.reserve(static_cast<size_t>(std::min<int64_t>(count, 1024)));
  for (int64_t i = 0; i < count; ++i) {
    if (at >= buffer_.size()) return std::nullopt;
    if (buffer_[at] != '$') {
      error_ = std::string("Protocol error: expected '$', got '") + buffer_[at] + "'";
      return std::nullopt;
    }
    end = lineEnd(at);
    if (end == std::string::npos) {
      if (buffer_.size() - at > 64) error_ = "Protocol error: invalid bulk length";
      return std::nullopt;
    }
    int64_t len = 0;
    if (!parseLength(std::string_view(buffer_).substr(at + 1, end - at - 1), len) || len < 0 ||
        static_cast<uint64_t>(len) > kMaxBulkBytes) {
      error_ = "Protocol error: invalid bulk length";
      return std::nullopt;
    }
    size_t data = end + 2;
    if (buffer_.size() < data + static_cast<size_t>(len) + 2) return std::nullopt;
    cmd.emplace_back(buffer_, data, static_cast<size_t>(len));
    at = data + static_cast<size_t>(len) + 2;
  }
  pos_ = at;
  compact();
  if (cmd.empty()) return next();  // "*0\r\n" is a no-op, as in Redis
  return cmd;
}

std::optional<Command> RequestParser::parseInline() {
  size_t end = buffer_.find('\n', pos_);
  if (end == std::string::npos) {
    if (buffer_.size() - pos_ > kMaxInlineBytes) error_ = "Protocol error: too big inline request";
    return std::nullopt;
  }
  std::string_view line(buffer_.data() + pos_, end - pos_);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  Command cmd;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    if (i >= line.size()) break;
    std::string arg;
    if (line[i] == '"' || line[i] == '\'') {
      char quote = line[i++];
      bool closed = false;
      while (i < line.size()) {
        char c = line[i++];
        if (c == quote) {
          closed = true;
          break;
        }
        if (c == '\\' && quote == '"' && i < line.size()) {
          char e = line[i++];
          arg.push_back(e == 'n' ? '\n' : e == 'r' ? '\r' : e == 't' ? '\t' : e);
        } else {
          arg.push_back(c);
        }
      }
      if (!closed) {
        error_ = "Protocol error: unbalanced quotes in request";
        return std::nullopt;
      }
    } else {
      while (i < line.size() && line[i] != ' ' && line[i] != '\t') arg.push_back(line[i++]);
    }
    cmd.push_back(std::move(arg));
  }
  pos_ = end + 1;
  compact();
  if (cmd.empty()) return next();
  return cmd;
}

void ReplyWriter::simple(std::string_view s) {
  out_.push_back('+');
  out_.append(s);
  out_.append("\r\n");
}

void ReplyWriter::error(std::string_view s) {
  out_.push_back('-');
  // Error text must stay on one line.
  for (char c : s) out_.push_back(c == '\r' || c == '\n' ? ' ' : c);
  out_.append("\r\n");
}

void ReplyWriter::integer(int64_t v) {
  out_.push_back(':');
  out_.append(std::to_string(v));
  out_.append("\r\n");
}

void ReplyWriter::bulk(std::string_view s) {
  out_.push_back('$');
  out_.append(std::to_string(s.size()));
  out_.append("\r\n");
  out_.append(s);
  out_.append("\r\n");
}

void ReplyWriter::null() { out_.append(resp3_ ? "_\r\n" : "$-1\r\n"); }
void ReplyWriter::nullArray() { out_.append(resp3_ ? "_\r\n" : "*-1\r\n"); }

void ReplyWriter::arrayHeader(size_t n) {
  out_.push_back('*');
  out_.append(std::to_string(n));
  out_.append("\r\n");
}

void ReplyWriter::mapHeader(size_t n) {
  out_.push_back(resp3_ ? '%' : '*');
  out_.append(std::to_string(resp3_ ? n : 2 * n));
  out_.append("\r\n");
}

void ReplyWriter::boolean(bool v) {
  if (resp3_) {
    out_.append(v ? "#t\r\n" : "#f\r\n");
  } else {
    integer(v ? 1 : 0);
  }
}

}  // namespace strata::server::resp
