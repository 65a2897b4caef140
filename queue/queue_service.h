// queue::QueueService: durable FIFO message queues of a workspace on db::Engine.
//
// Semantics (as SQS users expect, docs/kv-queue-formats.md "queues"):
// - send() returns only after the message is written: an acknowledged send survives kill -9.
// - receive() hands out the oldest visible messages and hides each for a visibility timeout;
//   ack(receipt) deletes it (durably). A message not acked in time becomes visible again, at
//   its original place in the order (at-least-once delivery; nothing is lost when a consumer
//   dies). A restart of the service makes every unacked message visible again at once.
// - With a dead-letter queue configured, a message received `max_receives` times without an
//   ack is moved there instead of being delivered again (also across restarts).
// - receiveAndDelete() is the plain "pop": claim and delete in one write.
// - A receipt handle names one delivery: after the message is delivered again (or the service
//   restarted), the old receipt no longer acks it (kNotFound).
//
// Single writer: the delivery state (ready list, in-flight deadlines, receipts) is held in
// memory, so one QueueService must be the only writer of the engine's queue keys -- the server
// process that owns the engine builds exactly one. Each queue is recovered from the engine on
// its first use.
//
// Thread-safe. Operations on one queue are serialised by a per-queue mutex held for the
// in-memory bookkeeping (and reads of bodies not cached); engine writes run outside it, so
// concurrent calls share the write-ahead log's group commit.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "db/engine.h"

namespace strata::queue {

constexpr size_t kMaxMessageBytes = 256 * 1024;
constexpr size_t kMaxBatch = 100;
constexpr int64_t kMaxWaitMs = 20'000;
constexpr int64_t kMaxVisibilityMs = 12 * 3600 * 1000;

struct QueueConfig {
  int64_t visibility_timeout_ms = 30'000;  // default for receive()
  uint32_t max_receives = 0;               // 0 = no dead-letter queue
  std::string dead_letter_queue;           // must exist when max_receives > 0
};

struct QueueInfo {
  std::string name;
  int64_t created_unix = 0;
  QueueConfig config;
};

struct Message {
  std::string id;       // stable for the message's life
  std::string receipt;  // names this delivery; pass to ack / changeVisibility
  std::string body;
  uint32_t receive_count = 0;  // including this delivery
  int64_t sent_ms = 0;
};

struct QueueLength {
  uint64_t visible = 0;
  uint64_t in_flight = 0;
};

class QueueService {
 public:
  // kBuffered: an acknowledged send survives kill -9, and a machine crash within about a
  // second (Redis `appendfsync everysec`); kSync fsyncs every change.
  explicit QueueService(db::Engine& engine, db::Durability durability = db::Durability::kBuffered);
  ~QueueService();

  // Idempotent: creating an existing queue succeeds and keeps its configuration.
  Status create(std::string_view ws, std::string_view name, const QueueConfig& config = {});
  Result<std::vector<QueueInfo>> list(std::string_view ws);
  Status remove(std::string_view ws, std::string_view name);  // deletes its messages too

  Result<std::string> send(std::string_view ws, std::string_view name, std::string_view body);
  Result<std::vector<std::string>> sendBatch(std::string_view ws, std::string_view name,
                                             const std::vector<std::string>& bodies);
  // Up to `max` messages (1..100); waits up to `wait_ms` (0..20000) for the first one.
  // visibility_ms < 0 means the queue's default.
  Result<std::vector<Message>> receive(std::string_view ws, std::string_view name, size_t max,
                                       int64_t visibility_ms, int64_t wait_ms);
  Status ack(std::string_view ws, std::string_view name, std::string_view receipt);
  // Acks up to 100 receipts in one transaction (as SQS DeleteMessageBatch): the result has one
  // Status per receipt, in order; a stale or unknown receipt fails alone (kNotFound) while
  // the others are acked. kNotFound for an unknown queue, kInvalidArgument for a bad batch.
  Result<std::vector<Status>> ackBatch(std::string_view ws, std::string_view name,
                                       const std::vector<std::string>& receipts);
  Status changeVisibility(std::string_view ws, std::string_view name, std::string_view receipt,
                          int64_t visibility_ms);
  Result<std::optional<Message>> receiveAndDelete(std::string_view ws, std::string_view name,
                                                  int64_t wait_ms);
  Result<QueueLength> length(std::string_view ws, std::string_view name);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

Status checkQueueName(std::string_view name);

}  // namespace strata::queue
