// Key layout and records of the queue service (docs/formats.md, "queues").
//
//   w/<ws>/qn/<name>                       queue: [u8 ver=1][u64 id][i64 created_unix]
//                                          [i64 visibility_ms][u32 max_receives][dead-letter name]
//   w/<ws>/qc                              next queue id (decimal text)
//   w/<ws>/qm/<u64 qid><u64 seq>           message, written once by send, deleted by ack:
//                                          [u8 ver=2][i64 sent_ms][body]
//                                          (ver=1, older data dirs: [u8 1][u8 state]
//                                          [i64 visible_at_ms][u32 receive_count][i64 sent_ms]
//                                          [u64 nonce][body]; read, never written)
//   w/<ws>/qd/<u64 qid><u64 seq>           receive count of a message: [u32 count]; written
//                                          only where it must survive a restart (see
//                                          queue_service.cc), deleted with the message
//   w/<ws>/qp/<u64 qid>                    queue deleted, messages still being purged
// Older data dirs also hold w/<ws>/qr/, qi/ and qk/ (ready index, in-flight index, length
// counters); the first use of a queue deletes them, as the state they held now lives in memory.
// seq is unique and increasing (time-based, bumped past every seq on disk), so FIFO order is
// send order.
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
std::string countKey(std::string_view ws, uint64_t qid, uint64_t seq);
std::string countPrefix(std::string_view ws, uint64_t qid);
std::string purgeKey(std::string_view ws, uint64_t qid);
// Prefixes of the per-queue keys of the older format (ver=1), only ever deleted.
std::string legacyReadyPrefix(std::string_view ws, uint64_t qid);
std::string legacyInflightPrefix(std::string_view ws, uint64_t qid);
std::string legacyCounterPrefix(std::string_view ws, uint64_t qid);

struct QueueRecord {
  uint64_t id = 0;
  int64_t created_unix = 0;
  QueueConfig config;
};
std::string encodeQueue(const QueueRecord& r);
Result<QueueRecord> decodeQueue(std::string_view bytes);

struct MessageRecord {
  int64_t sent_ms = 0;
  uint32_t receive_count = 0;  // only ver=1 records carry one; 0 for ver=2
  std::string body;
};
// Where the body starts in a record encodeMessage() wrote.
constexpr size_t kMessageBodyOffset = 9;
// Always writes ver=2; decodes ver=1 and ver=2.
std::string encodeMessage(int64_t sent_ms, std::string_view body);
Result<MessageRecord> decodeMessage(std::string_view bytes);

std::string encodeCount(uint32_t count);
uint32_t decodeCount(std::string_view bytes);

// The trailing u64 of a key (seq of ready / in-flight / message keys).
uint64_t trailingU64(std::string_view key);

}  // namespace strata::queue::records
