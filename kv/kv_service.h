// kv::KvService: the key-value store of a workspace: namespaces of keys (<= 32 KiB) mapped to
// values (<= 256 KiB) with an optional expiry, on db::Engine. REST (server/http) and the Redis
// protocol (server/resp) are thin protocol layers over this one class, so both see the same
// data and the same limits. Key layout and record formats: docs/formats.md ("key-value store").
//
// Expiry: an expired key behaves as absent for every read from the moment it expires (reads
// check the expiry time); a background sweep (purgeExpired) deletes expired records later.
//
// Thread-safe; every mutation is one db transaction (retried on conflict by Engine::run),
// except the grouped writes of kv::WriteGroup (kv/write_group.h), the hot path of RESP.
// Both keep the read cache (kv/read_cache.h) coherent: no other code may write value records.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <shared_mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"
#include "db/engine.h"
#include "kv/read_cache.h"

namespace strata::kv {

constexpr size_t kMaxKeyBytes = 32 * 1024;
constexpr size_t kMaxValueBytes = 256 * 1024;
constexpr size_t kMaxNamespaceNameBytes = 128;

struct KvOptions {
  size_t max_namespaces_per_workspace = 1000;  // soft limit; kNoSpace beyond it
  // kBuffered: a write survives kill -9 when acknowledged and a machine crash within about a
  // second (Redis `appendfsync everysec`); kSync fsyncs every write.
  db::Durability durability = db::Durability::kBuffered;
  // Recently read value records kept in memory for GETs of the Redis protocol (kv/read_cache.h);
  // 0 turns it off. Only valid while this process is the engine's only writer.
  size_t read_cache_bytes = 32 << 20;
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

// A namespace resolved once, for the hot paths a RESP connection uses on every command (it
// resolves at AUTH instead of reading the namespace record per command). When any namespace
// of the service has been deleted since, the hot paths resolve it again by name first, and
// fail with kNotFound once it is gone (ids are never reused, so a namespace deleted and
// created again is a new id with no old keys). Owned by its connection; not thread-safe.
struct NamespaceRef {
  std::string ws;
  std::string name;
  uint64_t id = 0;
  uint64_t epoch = 0;       // KvService's namespace-deletion epoch when last resolved
  std::string data_prefix;  // where this namespace's value records start
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

  // --- hot paths on a resolved namespace (RESP) ---
  Result<NamespaceRef> resolveNamespace(std::string_view ws, std::string_view name);
  // As get() above, without reading the namespace record.
  Result<std::optional<Entry>> get(NamespaceRef& ns, std::string_view key);

 private:
  friend class WriteGroup;
  static constexpr size_t kKeyLockStripes = 1024;

  // Re-resolves `ns` when a namespace was deleted since it was resolved; kNotFound when gone.
  Status refresh(NamespaceRef& ns);
  std::mutex& keyLock(size_t stripe) { return key_locks_[stripe]; }


  // Runs a mutation in a transaction with the configured durability; every value record it
  // writes is dropped from the read cache before the commit.
  Status write(const std::function<Status(db::Transaction&)>& body);

  db::Engine& engine_;
  KvOptions options_;
  ReadCache cache_;

  // Bumped (under delete_mu_ held exclusively) whenever a namespace is deleted, so resolved
  // NamespaceRefs know to check theirs. Grouped writes hold delete_mu_ shared while they
  // check their namespaces and commit, so no grouped write lands in a namespace after its
  // deletion committed (where the purge would never find it).
  std::atomic<uint64_t> epoch_{1};
  std::shared_mutex delete_mu_;
  // Striped in-process locks on the data keys a WriteGroup is committing: groups of
  // different I/O threads that touch the same keys take turns instead of failing each
  // other's optimistic transactions.
  std::array<std::mutex, kKeyLockStripes> key_locks_;
};

// Limits, checked before anything is read or written.
Status checkKey(std::string_view key);
Status checkValue(std::string_view value);
Status checkNamespaceName(std::string_view name);

}  // namespace strata::kv
