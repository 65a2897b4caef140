// Client calls of the queue REST API (docs/api-kv-queue.md). Thread-safe like Client.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "client/client.h"

namespace strata::client {

struct QueueSummary {
  std::string name;
  int64_t created_unix = 0;
  int64_t visibility_timeout_seconds = 0;
  uint32_t max_receives = 0;
  std::string dead_letter_queue;
};

struct QueueMessage {
  std::string id;
  std::string receipt;  // empty for receive-and-delete
  std::string body;
  uint32_t receive_count = 0;
  int64_t sent_unix_ms = 0;
};

struct QueueCounts {
  uint64_t visible = 0;
  uint64_t in_flight = 0;
};

struct QueueCreateOptions {
  int64_t visibility_timeout_seconds = 30;
  uint32_t max_receives = 0;
  std::string dead_letter_queue;
};

Result<std::vector<QueueSummary>> queueList(const Client& c);
Status queueCreate(const Client& c, std::string_view name, const QueueCreateOptions& options = {});
Status queueDelete(const Client& c, std::string_view name);
Result<std::vector<std::string>> queueSend(const Client& c, std::string_view name, const std::vector<std::string>& bodies);
Result<std::vector<QueueMessage>> queueReceive(const Client& c, std::string_view name, int max,
                                               std::optional<int64_t> visibility_seconds, int64_t wait_seconds);
Status queueAck(const Client& c, std::string_view name, std::string_view receipt);
Result<std::optional<QueueMessage>> queuePop(const Client& c, std::string_view name, int64_t wait_seconds);
Result<QueueCounts> queueLength(const Client& c, std::string_view name);

}  // namespace strata::client
