// kv::WriteGroup: the key commands of many RESP commands (from many connections of one I/O
// thread) applied together, so that a burst of SETs, INCRs and GETs costs one write-ahead-log
// append and one read per distinct key instead of one of each per command. This group commit
// is what lets the Redis protocol keep up with Redis's `appendfsync everysec` while every
// acknowledged write is already in the log (kill -9 safe).
//
// Use: queue operations as commands arrive (get, set, mset, incrBy; fail for a command that
// was refused before reaching the store), call commit() once, and only then reply, from
// outcome(i) / value(i). After commit() every ok write is committed with
// KvOptions::durability.
//
// Semantics: operations apply in queue order as one atomic unit: an INCR sees a SET queued
// before it, a GET sees exactly the writes queued before it and none after. The group keeps
// one state per distinct key while it runs the operations, so each key is read at most once
// and written at most once (its final state) however many operations name it. A group
// without a read-modify-write is one engine batch write (db::Engine::write: no snapshot, no
// read set); GETs of keys the group does not change read the latest committed value. A group
// with an INCR is one optimistic transaction that tracks the keys it incremented, retried on
// conflict with writers outside the group (REST, other processes). While committing, the
// group holds in-process striped locks on the keys it writes, so groups of different I/O
// threads that touch the same keys take turns instead of failing each other.
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
  enum class Kind : uint8_t { kSet, kIncr, kGet, kFailed };

  struct Outcome {
    Status status;        // this operation's error, or OK
    int64_t integer = 0;  // kIncr: the value after the increment
    bool found = false;   // kGet: the key had a live value
    size_t value_at = 0, value_len = 0;  // kGet: the value, in the group's value arena
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
  // GET: the key's live value as of this point of the group.
  size_t get(NamespaceRef& ns, std::string_view key);
  // An operation that already failed; keeps its reply in order with the others.
  size_t fail(Status status);
  // Queued GETs: their values are held until the group is cleared, so callers bound this.
  size_t reads() const { return reads_; }

  // Applies every queued operation; afterwards outcome(i) is final for each.
  void commit();
  Kind kind(size_t i) const { return ops_[i].kind; }
  const Outcome& outcome(size_t i) const { return ops_[i].outcome; }
  // kGet with outcome(i).found: the value (valid until clear()).
  std::string_view value(size_t i) const {
    return {values_.data() + ops_[i].outcome.value_at, ops_[i].outcome.value_len};
  }
  // Forgets every operation (keeps the buffers for the next group).
  void clear();

 private:
  struct Item {  // one key of an operation, its bytes in arena_
    size_t key_at, key_len, value_at, value_len;
    NamespaceRef* ns;
    size_t slot;  // its distinct key (valid during commit)
  };
  struct Op {
    Kind kind;
    NamespaceRef* ns;
    size_t first_item, items;
    int64_t expire_at_ms;  // kSet
    int64_t delta;         // kIncr
    Outcome outcome;
  };
  // One distinct key of the group and its state as the operations run in order.
  struct Slot {
    size_t first_item;       // the item whose data key names it
    size_t hash;             // std::hash of that data key
    bool incremented;        // some kIncr names it: read in the transaction (tracked)
    bool written;            // some write names it: locked while committing
    bool loaded;             // the fields below hold the key's current state
    bool exists;
    bool dirty;              // changed by the group: written at commit
    bool expiry_from_set;    // its expiry came from a SET of the group: index it
    int64_t expire_at_ms;
    std::string value;
    size_t copy_at, copy_len;  // this state's value in values_ (copy_at == npos: none yet)
  };

  size_t addItem(NamespaceRef& ns, std::string_view key, std::string_view value);
  std::string_view keyOf(const Item& it) const { return {arena_.data() + it.key_at, it.key_len}; }
  std::string_view valueOf(const Item& it) const { return {arena_.data() + it.value_at, it.value_len}; }
  // The namespaces still exist (re-resolved if stale); ops in a gone one fail.
  void checkNamespaces();
  void buildDataKeys();
  // Assigns every item its Slot; returns whether any op writes and any op increments.
  void buildSlots(bool& writes, bool& incrs);
  void lockKeys();
  void unlockKeys();
  // Runs every op in order against the slots; `txn` reads incremented keys (tracked), or
  // null when the group has no increments. Then stages the final state of changed keys.
  Status evaluate(db::Transaction* txn);
  Status load(Slot& slot, db::Transaction* txn);
  Status commitBatch();

  KvService& kv_;
  std::vector<Op> ops_;
  std::vector<Item> items_;
  std::string arena_;                   // keys and values of queued operations
  std::string values_;                  // values of GETs, after commit
  size_t reads_ = 0;
  std::vector<std::string> data_keys_;  // per item: its engine key (valid during commit)
  std::vector<uint32_t> slot_table_;    // open addressing: slot + 1 by key hash (0 = empty)
  std::vector<Slot> slots_;
  size_t slot_count_ = 0;
  std::vector<size_t> stripes_;         // locked key stripes, ascending
  std::string value_buf_;
  std::string cache_record_;
  db::WriteBatch batch_;
};

}  // namespace strata::kv
