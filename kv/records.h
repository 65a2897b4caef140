// Key layout and record encoding of the key-value store (docs/formats.md, "key-value store").
//
//   w/<ws>/kvn/<name>                      namespace: [u8 ver=1][u64 id][i64 created_unix]
//   w/<ws>/kvc                             next namespace id: [u64]
//   w/<ws>/kvd/<u64 ns id><key>            value: [u8 ver=1][i64 expire_at_ms, 0 = never][value]
//   w/<ws>/kvp/<u64 ns id>                 namespace whose keys are still being purged: empty
//   kvx/<u64 expire_at_ms><ws>\0<u64 ns id><key>   expiry index: empty
// Integers are big-endian so keys sort numerically. Namespace ids are never reused, so a
// namespace deleted and created again never sees the old keys, even before the purge ends.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace strata::kv::records {

std::string namespaceKey(std::string_view ws, std::string_view name);
std::string namespacePrefix(std::string_view ws);
std::string namespaceCounterKey(std::string_view ws);
std::string dataPrefix(std::string_view ws, uint64_t ns_id);
std::string dataKey(std::string_view ws, uint64_t ns_id, std::string_view key);
std::string purgeKey(std::string_view ws, uint64_t ns_id);
std::string expiryKey(int64_t expire_at_ms, std::string_view ws, uint64_t ns_id, std::string_view key);
std::string expiryPrefix();

struct NamespaceRecord {
  uint64_t id = 0;
  int64_t created_unix = 0;
};
std::string encodeNamespace(const NamespaceRecord& r);
Result<NamespaceRecord> decodeNamespace(std::string_view bytes);

struct ValueRecord {
  int64_t expire_at_ms = 0;
  std::string value;
};
std::string encodeValue(int64_t expire_at_ms, std::string_view value);
Result<ValueRecord> decodeValue(std::string_view bytes);

struct ExpiryEntry {
  int64_t expire_at_ms = 0;
  std::string ws;
  uint64_t ns_id = 0;
  std::string key;
};
Result<ExpiryEntry> decodeExpiryKey(std::string_view index_key);

}  // namespace strata::kv::records
