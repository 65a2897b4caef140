#include "queue/records.h"

#include "common/bytes.h"

namespace strata::queue::records {
namespace {
constexpr char kVersion = 1;         // queue records; ver=1 message records
constexpr char kMessageVersion = 2;  // message records written now

std::string wsKey(std::string_view ws, std::string_view kind) {
  std::string k = "w/";
  k.append(ws);
  k.push_back('/');
  k.append(kind);
  return k;
}

std::string withQid(std::string_view ws, std::string_view kind, uint64_t qid) {
  std::string k = wsKey(ws, kind);
  appendU64BE(k, qid);
  return k;
}
}  // namespace

std::string queuePrefix(std::string_view ws) { return wsKey(ws, "qn/"); }
std::string queueKey(std::string_view ws, std::string_view name) {
  return queuePrefix(ws) + std::string(name);
}
std::string queueCounterKey(std::string_view ws) { return wsKey(ws, "qc"); }

std::string messagePrefix(std::string_view ws, uint64_t qid) { return withQid(ws, "qm/", qid); }
std::string messageKey(std::string_view ws, uint64_t qid, uint64_t seq) {
  std::string k = messagePrefix(ws, qid);
  appendU64BE(k, seq);
  return k;
}
std::string countPrefix(std::string_view ws, uint64_t qid) { return withQid(ws, "qd/", qid); }
std::string countKey(std::string_view ws, uint64_t qid, uint64_t seq) {
  std::string k = countPrefix(ws, qid);
  appendU64BE(k, seq);
  return k;
}
std::string legacyReadyPrefix(std::string_view ws, uint64_t qid) { return withQid(ws, "qr/", qid); }
std::string legacyInflightPrefix(std::string_view ws, uint64_t qid) { return withQid(ws, "qi/", qid); }
std::string legacyCounterPrefix(std::string_view ws, uint64_t qid) { return withQid(ws, "qk/", qid); }
std::string purgeKey(std::string_view ws, uint64_t qid) { return withQid(ws, "qp/", qid); }

std::string encodeQueue(const QueueRecord& r) {
  std::string out(1, kVersion);
  appendU64BE(out, r.id);
  appendU64BE(out, static_cast<uint64_t>(r.created_unix));
  appendU64BE(out, static_cast<uint64_t>(r.config.visibility_timeout_ms));
  appendU32BE(out, r.config.max_receives);
  out.append(r.config.dead_letter_queue);
  return out;
}

Result<QueueRecord> decodeQueue(std::string_view b) {
  if (b.size() < 29 || b[0] != kVersion) return corruption("bad queue record");
  QueueRecord r;
  r.id = readU64BE(b.substr(1));
  r.created_unix = static_cast<int64_t>(readU64BE(b.substr(9)));
  r.config.visibility_timeout_ms = static_cast<int64_t>(readU64BE(b.substr(17)));
  r.config.max_receives = readU32BE(b.substr(25));
  r.config.dead_letter_queue = std::string(b.substr(29));
  return r;
}

std::string encodeMessage(int64_t sent_ms, std::string_view body) {
  std::string out;
  out.reserve(9 + body.size());
  out.push_back(kMessageVersion);
  appendU64BE(out, static_cast<uint64_t>(sent_ms));
  out.append(body);
  return out;
}

Result<MessageRecord> decodeMessage(std::string_view b) {
  MessageRecord m;
  if (!b.empty() && b[0] == kMessageVersion && b.size() >= 9) {
    m.sent_ms = static_cast<int64_t>(readU64BE(b.substr(1)));
    m.body = std::string(b.substr(9));
    return m;
  }
  // ver=1: [u8 1][u8 state][i64 visible_at_ms][u32 receive_count][i64 sent_ms][u64 nonce][body]
  if (b.size() < 30 || b[0] != kVersion) return corruption("bad message record");
  m.receive_count = readU32BE(b.substr(10));
  m.sent_ms = static_cast<int64_t>(readU64BE(b.substr(14)));
  m.body = std::string(b.substr(30));
  return m;
}

std::string encodeCount(uint32_t count) {
  std::string out;
  appendU32BE(out, count);
  return out;
}

uint32_t decodeCount(std::string_view b) { return b.size() < 4 ? 0 : readU32BE(b); }

uint64_t trailingU64(std::string_view key) { return readU64BE(key.substr(key.size() - 8)); }

}  // namespace strata::queue::records
