// Key layout and records of the queue service (docs/formats.md, "queues").
//
//   w/<ws>/qn/<name>                       queue: [u8 ver=1][u64 id][i64 created_unix]
//                                          [i64 visibility_ms][u32 max_receives][dead-letter name]
//   w/<ws>/qc                              next queue id (decimal text)
//   w/<ws>/qm/<u64 qid><u64 seq>           message: [u8 ver=1][u8 state][i64 visible_at_ms]
//                                          [u32 receive_count][i64 sent_ms][u64 nonce][body]
//   w/<ws>/qr/<u64 qid><u64 seq>           ready index: visible messages in FIFO order
//   w/<ws>/qi/<u64 qid><u64 visible_at><u64 seq>   in-flight index, by time they reappear
//   w/<ws>/qk/<u64 qid><u8 shard>          length counters: [i64 visible][i64 in_flight]
//   w/<ws>/qp/<u64 qid>                    queue deleted, messages still being purged
// seq is unique and increasing per process (time-based), so FIFO order is send order.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"
#include "queue/queue_service.h"

namespace strata::queue::records {

std::string queueKey(std::string_view ws, std::string_view name);
std::string queuePrefix(std::string_view ws);
std::string queueCounterKey(std::string_view ws);
std::string messageKey(std::string_view ws, uint64_t qid, uint64_t seq);
std::string messagePrefix(std::string_view ws, uint64_t qid);
std::string readyKey(std::string_view ws, uint64_t qid, uint64_t seq);
std::string readyPrefix(std::string_view ws, uint64_t qid);
std::string inflightKey(std::string_view ws, uint64_t qid, int64_t visible_at, uint64_t seq);
std::string inflightPrefix(std::string_view ws, uint64_t qid);
std::string counterKey(std::string_view ws, uint64_t qid, uint8_t shard);
std::string counterPrefix(std::string_view ws, uint64_t qid);
std::string purgeKey(std::string_view ws, uint64_t qid);

struct QueueRecord {
  uint64_t id = 0;
  int64_t created_unix = 0;
  QueueConfig config;
};
std::string encodeQueue(const QueueRecord& r);
Result<QueueRecord> decodeQueue(std::string_view bytes);

enum class State : uint8_t { kReady = 1, kInFlight = 2 };

struct MessageRecord {
  State state = State::kReady;
  int64_t visible_at_ms = 0;
  uint32_t receive_count = 0;
  int64_t sent_ms = 0;
  uint64_t nonce = 0;
  std::string body;
};
std::string encodeMessage(const MessageRecord& m);
Result<MessageRecord> decodeMessage(std::string_view bytes);

struct Counters {
  int64_t visible = 0;
  int64_t in_flight = 0;
};
std::string encodeCounters(const Counters& c);
Counters decodeCounters(std::string_view bytes);

// The trailing u64 of a key (seq of ready / in-flight / message keys).
uint64_t trailingU64(std::string_view key);

}  // namespace strata::queue::records
