#include "server/resp/resp_protocol.h"

#include <charconv>
#include <cstring>

namespace strata::server::resp {

void RequestParser::compact() {
  // Drop consumed bytes once they dominate the buffer, so pipelined input stays O(n).
  if (pos_ > 0 && (pos_ == buffer_.size() || pos_ > 64 * 1024)) {
    buffer_.erase(0, pos_);
    pos_ = 0;
  }
}

RequestParser::LineResult RequestParser::parseLengthLine(size_t& at, int64_t& out) const {
  // "<sigil>[-]digits\r\n" at `at`; on kOk `at` moves past the line. Hand-rolled: this runs
  // for every argument of every pipelined command. Same acceptance as std::from_chars on the
  // whole line: an optional '-', 1 to 18 digits, nothing else.
  const char* p = buffer_.data() + at + 1;
  const char* const end = buffer_.data() + buffer_.size();
  const char* const start = p;
  bool negative = false;
  if (p < end && *p == '-') {
    negative = true;
    ++p;
  }
  int64_t v = 0;
  const char* const digits = p;
  while (p < end && *p >= '0' && *p <= '9') {
    if (p - digits >= 18) return LineResult::kBad;
    v = v * 10 + (*p - '0');
    ++p;
  }
  if (p + 1 >= end) {
    // The line is not complete yet; a length line is never this long.
    return end - start > 64 ? LineResult::kBad : LineResult::kIncomplete;
  }
  if (p == digits || p[0] != '\r' || p[1] != '\n') return LineResult::kBad;
  out = negative ? -v : v;
  at = static_cast<size_t>(p + 2 - buffer_.data());
  return LineResult::kOk;
}

std::optional<Command> RequestParser::next() {
  Command cmd;
  if (!next(cmd)) return std::nullopt;
  return cmd;
}

bool RequestParser::next(Command& cmd) {
  while (true) {
    if (!error_.empty() || pos_ >= buffer_.size()) {
      compact();
      return false;
    }
    if (buffer_[pos_] != '*') {
      if (!parseInline(cmd)) return false;
      if (cmd.empty()) continue;  // a blank line
      return true;
    }

    size_t at = pos_;
    int64_t count = 0;
    switch (parseLengthLine(at, count)) {
      case LineResult::kIncomplete:
        return false;
      case LineResult::kBad:
        error_ = "Protocol error: invalid multibulk length";
        return false;
      case LineResult::kOk:
        break;
    }
    if (count > static_cast<int64_t>(kMaxArgs)) {
      error_ = "Protocol error: invalid multibulk length";
      return false;
    }
    // First find every argument; only a complete command is copied out.
    size_t n = count > 0 ? static_cast<size_t>(count) : 0;
    spans_.clear();
    for (size_t i = 0; i < n; ++i) {
      if (at >= buffer_.size()) return false;
      if (buffer_[at] != '$') {
        error_ = std::string("Protocol error: expected '$', got '") + buffer_[at] + "'";
        return false;
      }
      int64_t len = 0;
      LineResult r = parseLengthLine(at, len);
      if (r == LineResult::kIncomplete) return false;
      if (r == LineResult::kBad || len < 0 || static_cast<uint64_t>(len) > kMaxBulkBytes) {
        error_ = "Protocol error: invalid bulk length";
        return false;
      }
      const size_t data = at;
      if (buffer_.size() < data + static_cast<size_t>(len) + 2) return false;
      spans_.push_back({data, static_cast<size_t>(len)});
      at = data + static_cast<size_t>(len) + 2;
    }
    if (n == 0) {  // "*0\r\n" is a no-op, as in Redis
      pos_ = at;
      continue;
    }
    cmd.resize(n);  // strings that stay keep their capacity for the next command
    for (size_t i = 0; i < n; ++i) cmd[i].assign(buffer_, spans_[i].first, spans_[i].second);
    pos_ = at;
    compact();
    return true;
  }
}

bool RequestParser::parseInline(Command& cmd) {
  cmd.clear();
  size_t end = buffer_.find('\n', pos_);
  if (end == std::string::npos) {
    if (buffer_.size() - pos_ > kMaxInlineBytes) error_ = "Protocol error: too big inline request";
    return false;
  }
  std::string_view line(buffer_.data() + pos_, end - pos_);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
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
        return false;
      }
    } else {
      while (i < line.size() && line[i] != ' ' && line[i] != '\t') arg.push_back(line[i++]);
    }
    cmd.push_back(std::move(arg));
  }
  pos_ = end + 1;
  compact();
  return true;
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
  // One append per reply: the hot replies (INCR, GET) run once per pipelined command.
  char buf[24];
  buf[0] = ':';
  char* end = std::to_chars(buf + 1, buf + sizeof(buf) - 2, v).ptr;
  *end++ = '\r';
  *end++ = '\n';
  out_.append(buf, static_cast<size_t>(end - buf));
}

void ReplyWriter::bulk(std::string_view s) {
  char buf[24];
  buf[0] = '$';
  char* end = std::to_chars(buf + 1, buf + sizeof(buf) - 2, s.size()).ptr;
  *end++ = '\r';
  *end++ = '\n';
  out_.append(buf, static_cast<size_t>(end - buf));
  out_.append(s);
  out_.append("\r\n", 2);
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
