// Client calls of the key-value REST API (docs/api-kv-queue.md). Thread-safe like Client.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "client/client.h"

namespace strata::client {

struct KvNamespace {
  std::string name;
  int64_t created_unix = 0;
};

struct KvKeyPage {
  std::vector<std::string> keys;
  std::string next_cursor;
};

Result<std::vector<KvNamespace>> kvListNamespaces(const Client& c);
Status kvCreateNamespace(const Client& c, std::string_view name);
Status kvDeleteNamespace(const Client& c, std::string_view name);
Status kvPut(const Client& c, std::string_view ns, std::string_view key, std::string_view value,
             std::optional<int64_t> ttl_seconds = std::nullopt);
// nullopt when the key does not exist (a missing namespace is an error).
Result<std::optional<std::string>> kvGet(const Client& c, std::string_view ns, std::string_view key);
// Whether the key existed.
Result<bool> kvDelete(const Client& c, std::string_view ns, std::string_view key);
Result<KvKeyPage> kvList(const Client& c, std::string_view ns, std::string_view prefix,
                         std::string_view cursor, int limit = 1000);

}  // namespace strata::client
