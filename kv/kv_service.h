// kv::KvService: the key-value store of a workspace: namespaces of keys (<= 32 KiB) mapped to
// values (<= 256 KiB) with an optional expiry, on db::Engine. REST (server/http) and the Redis
// protocol (server/resp) are thin protocol layers over this one class, so both see the same
// data and the same limits. Key layout and record formats: docs/formats.md ("key-value store").
//
// Expiry: an expired key behaves as absent for every read from the moment it expires (reads
// check the expiry time); a background sweep (purgeExpired) deletes expired records later.
//
// Thread-safe; every mutation is one db transaction (retried on conflict by Engine::run).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"
#include "db/engine.h"

namespace strata::kv {

constexpr size_t kMaxKeyBytes = 32 * 1024;
constexpr size_t kMaxValueBytes = 256 * 1024;
constexpr size_t kMaxNamespaceNameBytes = 128;

struct KvOptions {
  size_t max_namespaces_per_workspace = 1000;  // soft limit; kNoSpace beyond it
  // kBuffered: a write survives kill -9 when acknowledged and a machine crash within about a
  // second (Redis `appendfsync everysec`); kSync fsyncs every write.
  db::Durability durability = db::Durability::kBuffered;
};

struct NamespaceInfo {
  std::string name;
  int64_t created_unix = 0;
};

enum class SetCondition { kAlways, kIfAbsent /* NX */, kIfPresent /* XX */ };

struct SetOptions {
  SetCondition condition = SetCondition::kAlways;
  // Absolute expiry in Unix milliseconds; nullopt = no expiry (an existing one is cleared
  // unless keep_ttl).
  std::optional<int64_t> expire_at_ms;
  bool keep_ttl = false;
  bool return_old = false;  // fill SetOutcome::old_value (SET ... GET)
};

struct SetOutcome {
  bool written = false;                  // false when NX/XX prevented the write
  std::optional<std::string> old_value;  // with return_old: the previous value, if any
};

struct Entry {
  std::string value;
  int64_t expire_at_ms = 0;  // 0 = never
};

struct KeyPage {
  std::vector<std::string> keys;
  std::string next_cursor;  // "" when complete; else pass back to continue after this key
};

// Time-to-live answers as Redis gives them.
constexpr int64_t kTtlMissing = -2;
constexpr int64_t kTtlNone = -1;

class KvService {
 public:
  KvService(db::Engine& engine, KvOptions options = {});

  // --- namespaces ---
  Status createNamespace(std::string_view ws, std::string_view name);  // kAlreadyExists
  Result<std::vector<NamespaceInfo>> listNamespaces(std::string_view ws);
  // Removes the namespace and all its keys (keys in bounded batches after the namespace is
  // gone, so a deleted namespace is invisible at once).
  Status deleteNamespace(std::string_view ws, std::string_view name);
  Status namespaceExists(std::string_view ws, std::string_view name);  // ok or kNotFound

  // --- keys (kNotFound for an unknown namespace; kInvalidArgument / kTooLarge for limits) ---
  Result<std::optional<Entry>> get(std::string_view ws, std::string_view ns, std::string_view key);
  Result<std::vector<std::optional<std::string>>> mget(std::string_view ws, std::string_view ns,
                                                       const std::vector<std::string>& keys);
  Result<SetOutcome> set(std::string_view ws, std::string_view ns, std::string_view key,
                         std::string_view value, const SetOptions& options = {});
  // All or nothing; with `only_if_none_exist` (MSETNX) writes nothing when any key exists.
  Result<bool> mset(std::string_view ws, std::string_view ns,
                    const std::vector<std::pair<std::string, std::string>>& pairs,
                    bool only_if_none_exist = false);
  Result<uint64_t> del(std::string_view ws, std::string_view ns, const std::vector<std::string>& keys);
  Result<std::optional<std::string>> getdel(std::string_view ws, std::string_view ns, std::string_view key);
  Result<uint64_t> exists(std::string_view ws, std::string_view ns, const std::vector<std::string>& keys);
  // Adds `delta` to the decimal integer value (absent = 0); keeps the expiry. kInvalidArgument
  // when the value is not a 64-bit integer or the result overflows.
  Result<int64_t> incrBy(std::string_view ws, std::string_view ns, std::string_view key, int64_t delta);
  // Appends and returns the new length; kTooLarge past the value limit.
  Result<uint64_t> append(std::string_view ws, std::string_view ns, std::string_view key,
                          std::string_view suffix);
  // Sets an absolute expiry (a time in the past deletes the key). false when the key is absent.
  Result<bool> expireAt(std::string_view ws, std::string_view ns, std::string_view key, int64_t at_ms);
  Result<bool> persist(std::string_view ws, std::string_view ns, std::string_view key);
  // Milliseconds left, kTtlNone, or kTtlMissing.
  Result<int64_t> ttlMs(std::string_view ws, std::string_view ns, std::string_view key);
  // Live keys starting with `prefix`, after `cursor` (exclusive), in byte order.
  Result<KeyPage> scan(std::string_view ws, std::string_view ns, std::string_view prefix,
                       std::string_view cursor, size_t limit);
  Result<uint64_t> count(std::string_view ws, std::string_view ns);

  // Deletes up to `limit` records that expired before `now_ms`; returns how many.
  Result<uint64_t> purgeExpired(int64_t now_ms, size_t limit);

 private:
  // Runs a mutation in a transaction with the configured durability.
  Status write(const std::function<Status(db::Transaction&)>& body);

  db::Engine& engine_;
  KvOptions options_;
};

// Limits, checked before anything is read or written.
Status checkKey(std::string_view key);
Status checkValue(std::string_view value);
Status checkNamespaceName(std::string_view name);

}  // namespace strata::kv
