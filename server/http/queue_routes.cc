// Queue routes (docs/api-kv-queue.md): create/list/delete, send, receive, ack, visibility,
// receive-and-delete, length.
#include <cstring>

#include "common/base64.h"
#include "queue/queue_service.h"
#include "server/http/json_io.h"
#include "server/http/kv_queue_routes.h"

namespace strata::server::http {
namespace {

using nlohmann::json;

// A batch of 100 messages of 256 KiB, base64-inflated, plus JSON framing.
constexpr uint64_t kSendBodyLimit = 40ull << 20;

Result<std::string> messageBody(const json& obj) {
  ASSIGN_OR_RETURN(auto text, optionalString(obj, "body"));
  ASSIGN_OR_RETURN(auto b64, optionalString(obj, "body_base64"));
  if (text && b64) return invalidArgument("give either body or body_base64, not both");
  if (text) return *text;
  if (b64) return base64Decode(*b64);
  return invalidArgument("a message needs a body (or body_base64)");
}

// Eight bytes at a time (SWAR): bodies are mostly plain ASCII text, and byte-wise checks of
// them were a tenth of the server's time in the queue benchmark.
constexpr uint64_t kOnes = ~0ull / 255;
constexpr uint64_t kHighBits = kOnes * 0x80;
inline uint64_t load8(const char* p) {
  uint64_t w;
  std::memcpy(&w, p, 8);
  return w;
}
// Nonzero when a byte of w is below n (n <= 128) -- bytes >= 0x80 never count.
inline uint64_t hasLess(uint64_t w, uint8_t n) { return (w - kOnes * n) & ~w & kHighBits; }
inline uint64_t hasByte(uint64_t w, char c) { return hasLess(w ^ (kOnes * static_cast<uint8_t>(c)), 1); }

// Valid UTF-8: an ASCII run is checked eight bytes at a time, the rest by isValidUtf8.
bool validUtf8(std::string_view s) {
  size_t i = 0;
  while (i + 8 <= s.size() && (load8(s.data() + i) & kHighBits) == 0) i += 8;
  return isValidUtf8(s.substr(i));
}

// A fast reader for the common shapes of a send request, {"messages":[{"body":"..."},...]} or
// {"body":"..."}, and of a batch ack, {"receipts":["...",...]}: the generic JSON parser cost
// about a quarter of the server's time in the queue benchmark (1 KiB bodies). It accepts only that exact shape, every string valid UTF-8 JSON text; for
// anything else (other fields, body_base64, bad input) it returns nullopt and the request goes
// through nlohmann, which also words the errors. So it never accepts what nlohmann rejects.
class FastReader {
 public:
  explicit FastReader(std::string_view in) : p_(in.data()), end_(in.data() + in.size()) {}

  std::optional<std::vector<std::string>> readSend() {
    std::vector<std::string> bodies;
    std::string key;
    if (!skip('{') || !string(key)) return std::nullopt;
    if (key == "body") {
      bodies.emplace_back();
      if (!skip(':') || !string(bodies.back()) || !skip('}')) return std::nullopt;
    } else if (key == "messages") {
      if (!skip(':') || !skip('[')) return std::nullopt;
      do {
        bodies.emplace_back();
        if (!skip('{') || !string(key) || key != "body" || !skip(':') || !string(bodies.back()) || !skip('}')) {
          return std::nullopt;
        }
      } while (skip(','));
      if (!skip(']') || !skip('}')) return std::nullopt;
    } else {
      return std::nullopt;
    }
    return atEnd() ? std::optional(std::move(bodies)) : std::nullopt;
  }

  // {"receipts":["...",...]} (at least one receipt).
  std::optional<std::vector<std::string>> readReceipts() {
    std::vector<std::string> receipts;
    std::string key;
    if (!skip('{') || !string(key) || key != "receipts" || !skip(':') || !skip('[')) return std::nullopt;
    do {
      receipts.emplace_back();
      if (!string(receipts.back())) return std::nullopt;
    } while (skip(','));
    if (!skip(']') || !skip('}')) return std::nullopt;
    return atEnd() ? std::optional(std::move(receipts)) : std::nullopt;
  }

 private:
  bool atEnd() {
    ws();
    return p_ == end_;
  }
  void ws() {
    while (p_ < end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t')) ++p_;
  }
  bool skip(char c) {
    ws();
    if (p_ == end_ || *p_ != c) return false;
    ++p_;
    return true;
  }
  static int hexDigit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }
  bool hex4(uint32_t& v) {
    if (end_ - p_ < 4) return false;
    v = 0;
    for (int i = 0; i < 4; ++i) {
      int d = hexDigit(p_[i]);
      if (d < 0) return false;
      v = v << 4 | static_cast<uint32_t>(d);
    }
    p_ += 4;
    return true;
  }
  static void appendUtf8(std::string& out, uint32_t cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | cp >> 6);
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | cp >> 12);
      out += static_cast<char>(0x80 | (cp >> 6 & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | cp >> 18);
      out += static_cast<char>(0x80 | (cp >> 12 & 0x3F));
      out += static_cast<char>(0x80 | (cp >> 6 & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }
  // Appends the run [from, to) of unescaped string bytes: no control characters, valid UTF-8.
  static bool plain(std::string& out, const char* from, const char* to) {
    const char* c = from;
    for (; c + 8 <= to; c += 8) {
      if (hasLess(load8(c), 0x20)) return false;
    }
    for (; c < to; ++c) {
      if (static_cast<unsigned char>(*c) < 0x20) return false;
    }
    std::string_view run(from, static_cast<size_t>(to - from));
    if (!validUtf8(run)) return false;
    out.append(run);
    return true;
  }
  bool string(std::string& out) {
    out.clear();
    if (!skip('"')) return false;
    while (true) {
      const void* q = std::memchr(p_, '"', static_cast<size_t>(end_ - p_));
      if (q == nullptr) return false;
      const char* quote = static_cast<const char*>(q);
      const void* b = std::memchr(p_, '\\', static_cast<size_t>(quote - p_));
      if (b == nullptr) {
        if (!plain(out, p_, quote)) return false;
        p_ = quote + 1;
        return true;
      }
      const char* slash = static_cast<const char*>(b);
      if (!plain(out, p_, slash)) return false;
      p_ = slash + 1;
      if (p_ == end_) return false;
      char e = *p_++;
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          uint32_t cp;
          if (!hex4(cp)) return false;
          if (cp >= 0xDC00 && cp <= 0xDFFF) return false;  // lone low surrogate
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            uint32_t lo;
            if (end_ - p_ < 2 || p_[0] != '\\' || p_[1] != 'u') return false;
            p_ += 2;
            if (!hex4(lo) || lo < 0xDC00 || lo > 0xDFFF) return false;
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          }
          appendUtf8(out, cp);
          break;
        }
        default: return false;
      }
    }
  }

  const char* p_;
  const char* end_;
};

json messageJson(const queue::Message& m) {
  json out = {{"id", m.id}, {"receive_count", m.receive_count}, {"sent_unix_ms", m.sent_ms}};
  if (!m.receipt.empty()) out["receipt"] = m.receipt;
  if (isValidUtf8(m.body)) {
    out["body"] = m.body;
  } else {
    out["body_base64"] = base64Encode(m.body);
  }
  return out;
}

// JSON string literal of valid UTF-8 text, as nlohmann writes it (non-ASCII as is).
void appendJsonString(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  size_t plain = 0;  // start of the run of bytes that need no escaping
  for (size_t i = 0; i < s.size(); ++i) {
    // Skip words with nothing to escape.
    while (i + 8 <= s.size()) {
      uint64_t w = load8(s.data() + i);
      if (hasLess(w, 0x20) | hasByte(w, '"') | hasByte(w, '\\')) break;
      i += 8;
    }
    if (i >= s.size()) break;
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(s, plain, i - plain);
    plain = i + 1;
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        out += "\\u00";
        out += kHex[c >> 4];
        out += kHex[c & 15];
    }
  }
  out.append(s, plain, s.size() - plain);
  out += '"';
}

// The receive reply, written directly: a batch of 100 bodies of up to 256 KiB would
// otherwise be copied into a JSON tree and serialised again (a large share of a receive).
std::string messagesReply(const std::vector<queue::Message>& got) {
  size_t bytes = 16;
  for (const auto& m : got) bytes += m.body.size() + 160;
  std::string out;
  out.reserve(bytes);
  out += "{\"messages\":[";
  for (size_t i = 0; i < got.size(); ++i) {
    const auto& m = got[i];
    if (i > 0) out += ',';
    out += "{\"id\":";
    appendJsonString(out, m.id);
    out += ",\"receive_count\":" + std::to_string(m.receive_count);
    out += ",\"sent_unix_ms\":" + std::to_string(m.sent_ms);
    if (!m.receipt.empty()) {
      out += ",\"receipt\":";
      appendJsonString(out, m.receipt);
    }
    if (validUtf8(m.body)) {
      out += ",\"body\":";
      appendJsonString(out, m.body);
    } else {
      out += ",\"body_base64\":";
      appendJsonString(out, base64Encode(m.body));
    }
    out += '}';
  }
  out += "]}\n";
  return out;
}

// {"ids":[...]} for a send, written directly (ids are hex, nothing to escape).
Status replyIds(Call& call, const std::vector<std::string>& ids) {
  std::string out;
  out.reserve(16 + ids.size() * 35);
  out += "{\"ids\":[";
  for (size_t i = 0; i < ids.size(); ++i) {
    if (i > 0) out += ',';
    appendJsonString(out, ids[i]);
  }
  out += "]}\n";
  return call.ex().send(201, {{"Content-Type", "application/json"}}, out);
}

json queueJson(const queue::QueueInfo& q) {
  return {{"name", q.name},
          {"created_unix", q.created_unix},
          {"visibility_timeout_seconds", q.config.visibility_timeout_ms / 1000},
          {"max_receives", q.config.max_receives},
          {"dead_letter_queue", q.config.dead_letter_queue}};
}

// Seconds field -> milliseconds, within [0, max_seconds]; `fallback` (already ms) when absent.
Result<int64_t> secondsField(const json& obj, std::string_view field, int64_t max_seconds, int64_t fallback_ms) {
  ASSIGN_OR_RETURN(auto v, optionalInt(obj, field));
  if (!v) return fallback_ms;
  if (*v < 0 || *v > max_seconds) {
    return invalidArgument(std::string(field), " must be 0 to ", std::to_string(max_seconds));
  }
  return *v * 1000;
}

}  // namespace

void addQueueRoutes(Router& router, queue::QueueService& queues) {
  router.add("GET", "/api/v1/queues", "queues.list", Access::kRead, kNoBody, [&queues](Call& call) -> Status {
    ASSIGN_OR_RETURN(auto all, queues.list(call.workspace()));
    json list = json::array();
    for (const auto& q : all) list.push_back(queueJson(q));
    return replyJson(call, 200, {{"queues", list}});
  });
  router.add("POST", "/api/v1/queues", "queues.create", Access::kWrite, kJsonBodyLimit,
             [&queues](Call& call) -> Status {
               ASSIGN_OR_RETURN(json req, readJsonObject(call));
               ASSIGN_OR_RETURN(std::string name, requiredString(req, "name"));
               queue::QueueConfig config;
               ASSIGN_OR_RETURN(config.visibility_timeout_ms,
                                secondsField(req, "visibility_timeout_seconds", 43200, 30'000));
               ASSIGN_OR_RETURN(auto max_receives, optionalUint(req, "max_receives"));
               if (max_receives && *max_receives > 1000) return invalidArgument("max_receives must be 0 to 1000");
               config.max_receives = static_cast<uint32_t>(max_receives.value_or(0));
               ASSIGN_OR_RETURN(auto dlq, optionalString(req, "dead_letter_queue"));
               config.dead_letter_queue = dlq.value_or("");
               if (config.max_receives > 0 && config.dead_letter_queue.empty()) {
                 return invalidArgument("max_receives needs a dead_letter_queue");
               }
               bool existed = false;
               {
                 auto all = queues.list(call.workspace());
                 if (all.ok()) {
                   for (const auto& q : *all) existed |= q.name == name;
                 }
               }
               RETURN_IF_ERROR(queues.create(call.workspace(), name, config));
               return replyJson(call, existed ? 200 : 201, {{"name", name}, {"created", !existed}});
             });
  router.add("DELETE", "/api/v1/queues/{q}", "queues.delete", Access::kWrite, kNoBody,
             [&queues](Call& call) -> Status {
               RETURN_IF_ERROR(queues.remove(call.workspace(), call.param("q")));
               return replyJson(call, 200, {{"deleted", true}});
             });
  router.add("POST", "/api/v1/queues/{q}/messages", "queues.send", Access::kWrite, kSendBodyLimit,
             [&queues](Call& call) -> Status {
               ASSIGN_OR_RETURN(std::string raw, call.readBody());
               if (auto fast = FastReader(raw).readSend()) {
                 ASSIGN_OR_RETURN(auto ids, queues.sendBatch(call.workspace(), call.param("q"), *fast));
                 return replyIds(call, ids);
               }
               json req = json::parse(raw, nullptr, /*allow_exceptions=*/false);
               if (req.is_discarded()) return invalidArgument("request body is not valid JSON");
               if (!req.is_object()) return invalidArgument("request body must be a JSON object");
               std::vector<std::string> bodies;
               if (req.contains("messages")) {
                 const json& list = req["messages"];
                 if (!list.is_array()) return invalidArgument("messages must be an array");
                 for (const auto& m : list) {
                   if (!m.is_object()) return invalidArgument("each message must be an object");
                   ASSIGN_OR_RETURN(std::string body, messageBody(m));
                   bodies.push_back(std::move(body));
                 }
               } else {
                 ASSIGN_OR_RETURN(std::string body, messageBody(req));
                 bodies.push_back(std::move(body));
               }
               ASSIGN_OR_RETURN(auto ids, queues.sendBatch(call.workspace(), call.param("q"), bodies));
               return replyIds(call, ids);
             });
  router.add("POST", "/api/v1/queues/{q}/receive", "queues.receive", Access::kWrite, kJsonBodyLimit,
             [&queues](Call& call) -> Status {
               ASSIGN_OR_RETURN(json req, readJsonObject(call));
               ASSIGN_OR_RETURN(auto max, optionalUint(req, "max"));
               ASSIGN_OR_RETURN(int64_t visibility, secondsField(req, "visibility_timeout_seconds", 43200, -1));
               ASSIGN_OR_RETURN(int64_t wait, secondsField(req, "wait_seconds", 20, 0));
               ASSIGN_OR_RETURN(auto got, queues.receive(call.workspace(), call.param("q"), max.value_or(1),
                                                         visibility, wait));
               return call.ex().send(200, {{"Content-Type", "application/json"}}, messagesReply(got));
             });
  router.add("DELETE", "/api/v1/queues/{q}/messages/{receipt}", "queues.ack", Access::kWrite, kNoBody,
             [&queues](Call& call) -> Status {
               RETURN_IF_ERROR(queues.ack(call.workspace(), call.param("q"), call.param("receipt")));
               return replyJson(call, 200, {{"acked", true}});
             });
  router.add("POST", "/api/v1/queues/{q}/ack", "queues.ack_batch", Access::kWrite, kJsonBodyLimit,
             [&queues](Call& call) -> Status {
               ASSIGN_OR_RETURN(std::string raw, call.readBody());
               std::vector<std::string> receipts;
               if (auto fast = FastReader(raw).readReceipts()) {
                 receipts = std::move(*fast);
               } else {
                 json req = json::parse(raw, nullptr, /*allow_exceptions=*/false);
                 if (req.is_discarded()) return invalidArgument("request body is not valid JSON");
                 if (!req.is_object()) return invalidArgument("request body must be a JSON object");
                 if (!req.contains("receipts") || !req["receipts"].is_array()) {
                   return invalidArgument("receipts must be an array of receipt handles");
                 }
                 for (const auto& r : req["receipts"]) {
                   if (!r.is_string()) return invalidArgument("each receipt must be a string");
                   receipts.push_back(r.get<std::string>());
                 }
               }
               ASSIGN_OR_RETURN(auto results, queues.ackBatch(call.workspace(), call.param("q"), receipts));
               json failed = json::array();
               size_t acked = 0;
               for (size_t i = 0; i < results.size(); ++i) {
                 if (results[i].ok()) {
                   ++acked;
                 } else {
                   failed.push_back({{"receipt", receipts[i]}, {"error", results[i].message()}});
                 }
               }
               return replyJson(call, 200, {{"acked", acked}, {"failed", failed}});
             });
  router.add("POST", "/api/v1/queues/{q}/visibility", "queues.visibility", Access::kWrite, kJsonBodyLimit,
             [&queues](Call& call) -> Status {
               ASSIGN_OR_RETURN(json req, readJsonObject(call));
               ASSIGN_OR_RETURN(std::string receipt, requiredString(req, "receipt"));
               ASSIGN_OR_RETURN(int64_t visibility, secondsField(req, "visibility_timeout_seconds", 43200, -1));
               if (visibility < 0) return invalidArgument("visibility_timeout_seconds is required");
               RETURN_IF_ERROR(queues.changeVisibility(call.workspace(), call.param("q"), receipt, visibility));
               return replyJson(call, 200, {{"ok", true}});
             });
  router.add("POST", "/api/v1/queues/{q}/pop", "queues.pop", Access::kWrite, kJsonBodyLimit,
             [&queues](Call& call) -> Status {
               json req = json::object();
               if (call.ex().contentLength().value_or(1) > 0) {
                 ASSIGN_OR_RETURN(req, readJsonObject(call));
               }
               ASSIGN_OR_RETURN(int64_t wait, secondsField(req, "wait_seconds", 20, 0));
               ASSIGN_OR_RETURN(auto got, queues.receiveAndDelete(call.workspace(), call.param("q"), wait));
               return replyJson(call, 200, {{"message", got ? messageJson(*got) : json(nullptr)}});
             });
  router.add("GET", "/api/v1/queues/{q}/length", "queues.length", Access::kRead, kNoBody,
             [&queues](Call& call) -> Status {
               ASSIGN_OR_RETURN(auto len, queues.length(call.workspace(), call.param("q")));
               return replyJson(call, 200,
                                {{"visible", len.visible}, {"in_flight", len.in_flight},
                                 {"total", len.visible + len.in_flight}});
             });
}

}  // namespace strata::server::http
