// kv::WriteGroup: the writes of many RESP commands (from many connections of one I/O thread)
// applied together, so that a burst of SETs and INCRs costs one write-ahead-log append instead
// of one per command. This group commit is what lets the Redis protocol keep up with Redis's
// `appendfsync everysec` while every acknowledged write is already in the log (kill -9 safe).
//
// Use: queue operations as commands arrive (set, mset, incrBy; fail for a command that was
// refused before reaching the store), call commit() once, and only then reply, from
// outcome(i). After commit() every ok outcome is committed with KvOptions::durability.
//
// Semantics: operations apply in queue order as one atomic unit (an INCR sees a SET queued
// before it). A group of plain SETs is one engine batch write (db::Engine::write: no snapshot,
// no read set); a group with a read-modify-write is one optimistic transaction that tracks the
// keys it read, retried on conflict with writers outside the group (REST, other processes).
// While committing, the group holds in-process striped locks on its keys, so groups of
// different I/O threads that touch the same keys take turns instead of failing each other.
// An operation whose own step fails (INCR of a non-integer, a namespace deleted meanwhile)
// gets its error in outcome(i) and changes nothing; the rest of the group still commits.
//
// Not thread-safe: one per I/O thread. The NamespaceRefs passed in must outlive commit().
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "db/engine.h"
#include "kv/kv_service.h"

namespace strata::kv {

class WriteGroup {
 public:
  enum class Kind : uint8_t { kSet, kIncr, kFailed };

  struct Outcome {
    Status status;        // this operation's error, or OK
    int64_t integer = 0;  // kIncr: the value after the increment
  };

  explicit WriteGroup(KvService& kv) : kv_(kv) {}
  WriteGroup(const WriteGroup&) = delete;
  WriteGroup& operator=(const WriteGroup&) = delete;

  size_t size() const { return ops_.size(); }
  bool empty() const { return ops_.empty(); }

  // Each returns the operation's index. Limit violations become failed operations at once.
  // SET key value (expire_at_ms: absolute Unix ms, 0 = none; an existing expiry is cleared).
  size_t set(NamespaceRef& ns, std::string_view key, std::string_view value, int64_t expire_at_ms = 0);
  // MSET: `count` alternating keys and values starting at `pairs`, all or nothing.
  size_t mset(NamespaceRef& ns, const std::string* pairs, size_t count);
  // INCRBY: adds `delta` to the decimal integer value (absent = 0), keeping its expiry.
  size_t incrBy(NamespaceRef& ns, std::string_view key, int64_t delta);
  // An operation that already failed; keeps its reply in order with the others.
  size_t fail(Status status);

  // Applies every queued operation; afterwards outcome(i) is final for each.
  void commit();
  Kind kind(size_t i) const { return ops_[i].kind; }
  const Outcome& outcome(size_t i) const { return ops_[i].outcome; }
  // Forgets every operation (keeps the buffers for the next group).
  void clear();

 private:
  struct Item {  // one key of an operation, its bytes in arena_
    size_t key_at, key_len, value_at, value_len;
  };
  struct Op {
    Kind kind;
    NamespaceRef* ns;
    size_t first_item, items;
    int64_t expire_at_ms;  // kSet
    int64_t delta;         // kIncr
    Outcome outcome;
  };

  size_t addItem(std::string_view key, std::string_view value);
  std::string_view keyOf(const Item& it) const { return {arena_.data() + it.key_at, it.key_len}; }
  std::string_view valueOf(const Item& it) const { return {arena_.data() + it.value_at, it.value_len}; }
  // The namespaces still exist (re-resolved if stale); ops in a gone one fail.
  void checkNamespaces();
  void buildDataKeys();
  void lockKeys();
  void unlockKeys();
  Status commitBatch();
  Status runTransaction(db::Transaction& txn);

  KvService& kv_;
  std::vector<Op> ops_;
  std::vector<Item> items_;
  std::string arena_;                   // keys and values of queued operations
  std::vector<std::string> data_keys_;  // per item: its engine key (valid during commit)
  std::vector<size_t> stripes_;         // locked key stripes, ascending
  std::string value_buf_;
  db::WriteBatch batch_;
};

}  // namespace strata::kv
