#include "queue/records.h"

#include "common/bytes.h"

namespace strata::queue::records {
namespace {
constexpr char kVersion = 1;

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
std::string readyPrefix(std::string_view ws, uint64_t qid) { return withQid(ws, "qr/", qid); }
std::string readyKey(std::string_view ws, uint64_t qid, uint64_t seq) {
  std::string k = readyPrefix(ws, qid);
  appendU64BE(k, seq);
  return k;
}
std::string inflightPrefix(std::string_view ws, uint64_t qid) { return withQid(ws, "qi/", qid); }
std::string inflightKey(std::string_view ws, uint64_t qid, int64_t visible_at, uint64_t seq) {
  std::string k = inflightPrefix(ws, qid);
  appendU64BE(k, static_cast<uint64_t>(visible_at));
  appendU64BE(k, seq);
  return k;
}
std::string counterPrefix(std::string_view ws, uint64_t qid) { return withQid(ws, "qk/", qid); }
std::string counterKey(std::string_view ws, uint64_t qid, uint8_t shard) {
  std::string k = counterPrefix(ws, qid);
  k.push_back(static_cast<char>(shard));
  return k;
}
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

std::string encodeMessage(const MessageRecord& m) {
  std::string out;
  out.reserve(34 + m.body.size());
  out.push_back(kVersion);
  out.push_back(static_cast<char>(m.state));
  appendU64BE(out, static_cast<uint64_t>(m.visible_at_ms));
  appendU32BE(out, m.receive_count);
  appendU64BE(out, static_cast<uint64_t>(m.sent_ms));
  appendU64BE(out, m.nonce);
  out.append(m.body);
  return out;
}

Result<MessageRecord> decodeMessage(std::string_view b) {
  if (b.size() < 30 || b[0] != kVersion) return corruption("bad message record");
  MessageRecord m;
  m.state = static_cast<State>(b[1]);
  m.visible_at_ms = static_cast<int64_t>(readU64BE(b.substr(2)));
  m.receive_count = readU32BE(b.substr(10));
  m.sent_ms = static_cast<int64_t>(readU64BE(b.substr(14)));
  m.nonce = readU64BE(b.substr(22));
  m.body = std::string(b.substr(30));
  return m;
}

std::string encodeCounters(const Counters& c) {
  std::string out;
  appendU64BE(out, static_cast<uint64_t>(c.visible));
  appendU64BE(out, static_cast<uint64_t>(c.in_flight));
  return out;
}

Counters decodeCounters(std::string_view b) {
  if (b.size() < 16) return {};
  return {static_cast<int64_t>(readU64BE(b)), static_cast<int64_t>(readU64BE(b.substr(8)))};
}

uint64_t trailingU64(std::string_view key) { return readU64BE(key.substr(key.size() - 8)); }

}  // namespace strata::queue::records
