// kv::ReadCache: recently read value records of the key-value store, by engine key, so that a
// hot GET is a hash lookup instead of a walk of the engine's memtables and tables.
//
// Coherence rests on one fact: this process is the only writer of the engine (RocksDB's LOCK
// file), and every write of a value record goes through KvService or WriteGroup, which tell
// the cache. The protocol (per shard):
// - A writer opens a WriteScope on the shards it may touch before it writes, erases each key
//   before it commits, and closes the scope after the commit (or the failure).
// - A reader that misses remembers the shard's version (fill ticket), reads the engine, and
//   inserts what it read only if no writer was active on the shard at the ticket and none
//   began or ended since (the version is bumped at both ends of every WriteScope).
// So a value is never cached from a read that may have raced a write, and a write's old value
// is gone from the cache before the write can be seen, which keeps reads linearizable. An
// engine shared by several processes (a future PostgreSQL backend) must not use it.
//
// Bounded: once a shard is over its share of the capacity, entries not read since the clock
// hand last passed them go (CLOCK, an approximation of least-recently-used that needs no list
// to reorder on every hit). Each shard is one open-addressing table of (hash, node) slots and
// each entry one allocation holding its key and record, so a hit costs two cache misses (slot,
// node) and no allocation: with 100k keys this lookup was half of a pipelined GET's CPU.
// Thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace strata::kv {

class ReadCache {
 public:
  static constexpr size_t kShards = 16;

  // capacity_bytes 0: disabled (every lookup misses, nothing is stored).
  explicit ReadCache(size_t capacity_bytes);
  ReadCache(const ReadCache&) = delete;
  ReadCache& operator=(const ReadCache&) = delete;

  bool enabled() const { return capacity_ > 0; }

  struct Ticket {
    size_t shard = 0;
    uint64_t version = 0;
    bool fillable = false;
  };
  enum class Hit { kMiss, kAbsent, kPresent };
  // kPresent: `record` holds the cached value record. kAbsent: the key is known to be absent.
  // kMiss: read the engine, then fill() with the same ticket.
  Hit lookup(std::string_view key, std::string& record, Ticket& ticket);
  // Caches what the engine returned for `key` (nullopt = absent), unless a write intervened.
  void fill(std::string_view key, const std::optional<std::string>& record, const Ticket& ticket);

  // Marks shards as being written for its lifetime: fills of them are refused meanwhile and
  // every fill that started before is refused too.
  class WriteScope {
   public:
    WriteScope() = default;
    WriteScope(WriteScope&& other) noexcept : cache_(other.cache_), mask_(other.mask_) {
      for (size_t i = 0; i < kShards; ++i) versions_[i] = other.versions_[i];
      other.cache_ = nullptr;
    }
    // Ends this scope's write (if any) and takes over `other`'s.
    WriteScope& operator=(WriteScope&& other) noexcept;
    ~WriteScope();

   private:
    friend class ReadCache;
    WriteScope(ReadCache* cache, uint32_t mask) : cache_(cache), mask_(mask) {}
    ReadCache* cache_ = nullptr;
    uint32_t mask_ = 0;
    uint64_t versions_[kShards] = {};  // each shard's version right after this scope began
  };
  WriteScope writeAll();
  // Only the shards of these keys (call erase() for each before committing).
  uint32_t shardMask(std::string_view key) const { return 1u << shardOf(key); }
  WriteScope writeShards(uint32_t mask);
  // Drops the entry of `key` (a write of it is about to commit). Call inside a WriteScope.
  void erase(std::string_view key);
  // Write-through, after the scope's write of `key` committed: caches the new record, unless
  // another writer began or ended on the shard since the scope began (its write may be later).
  void store(const WriteScope& scope, std::string_view key, const std::optional<std::string>& record);

 private:
  // One cached key: its key bytes, then its record bytes, in one allocation.
  struct Node {
    uint32_t key_len;
    uint32_t record_len;
    bool present;     // false: the key is known to be absent
    bool referenced;  // read since the clock hand last passed (second chance)
    char* bytes() { return reinterpret_cast<char*>(this + 1); }
    std::string_view key() { return {bytes(), key_len}; }
    std::string_view record() { return {bytes() + key_len, record_len}; }
  };
  struct Slot {
    size_t hash = 0;
    Node* node = nullptr;  // nullptr: empty
  };
  struct alignas(64) Shard {
    std::mutex mu;
    std::vector<Slot> slots;  // power-of-two size, linear probing; guarded by mu
    size_t used = 0;          // guarded by mu
    size_t hand = 0;          // the clock hand: next slot eviction looks at; guarded by mu
    size_t bytes = 0;         // guarded by mu
    uint64_t version = 0;     // guarded by mu
    int writers = 0;          // guarded by mu
    ~Shard();
  };

  static size_t hashOf(std::string_view key);
  size_t shardOf(std::string_view key) const { return hashOf(key) % kShards; }
  // The slot holding `key` (hash `h`), or the empty slot where it would go.
  static size_t findLocked(const Shard& s, std::string_view key, size_t h);
  void insertLocked(Shard& s, std::string_view key, size_t h, const std::optional<std::string>& record);
  // Empties slot `at` (frees its node) and moves later slots of its probe run back.
  static void removeAtLocked(Shard& s, size_t at);
  void evictLocked(Shard& s);
  void endWrite(uint32_t mask);
  static size_t charge(size_t key_len, size_t record_len) {
    return key_len + record_len + 112;  // node header and malloc overhead, its share of slots
  }

  const size_t capacity_;
  std::unique_ptr<Shard[]> shards_;
};

}  // namespace strata::kv
