// ChunkCache: the mount's local disk cache of chunk bytes, keyed by chunk id (SHA-256), bounded
// by a byte capacity with least-recently-used eviction. It survives a remount: open() indexes
// what an earlier process left (oldest file first in the LRU order), and every cached chunk is
// verified against its id the first time this process reads it, so a damaged or foreign file
// is dropped instead of served.
//
// Layout: DIR/chunks/<2 hex>/<64 hex> (whole chunk blobs), DIR/tmp/ (writes in progress,
// renamed into place, so a crash never leaves a half-written chunk under its name).
//
// Thread-safe: the index is guarded by mu_; file I/O happens outside the lock. Several
// processes sharing a directory stay correct (content-addressed files, atomic renames) but
// each enforces its capacity only over what it knows.
#pragma once

#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/sha256.h"
#include "common/status.h"

namespace strata::mount {

class ChunkCache {
 public:
  static Result<std::unique_ptr<ChunkCache>> open(const std::string& dir, uint64_t capacity_bytes);

  // Bytes [offset, offset+length) of chunk `id` (fewer at the blob's end); nullopt when not
  // cached (or dropped because it failed verification).
  std::optional<std::string> read(const Digest& id, uint64_t offset, uint64_t length);
  bool contains(const Digest& id);
  // Stores a chunk. REQUIRES: Sha256::of(bytes) == id. Evicts least recently used chunks
  // until the capacity holds; a chunk larger than the capacity is not stored.
  Status put(const Digest& id, std::string_view bytes);

  uint64_t usedBytes();
  uint64_t capacity() const { return capacity_; }
  const std::string& dir() const { return dir_; }

 private:
  struct Entry {
    std::list<Digest>::iterator lru;  // position in lru_ (front = most recent)
    uint64_t size = 0;
    bool verified = false;            // hashed by this process
  };

  ChunkCache(std::string dir, uint64_t capacity);
  std::string pathOf(const Digest& id) const;
  void forget(const Digest& id);  // drops the entry and the file
  void evictLocked(std::list<std::string>& doomed);

  const std::string dir_;
  const uint64_t capacity_;
  std::mutex mu_;
  std::list<Digest> lru_;                       // guarded by mu_
  std::unordered_map<Digest, Entry> entries_;   // guarded by mu_
  uint64_t used_ = 0;                           // guarded by mu_
};

}  // namespace strata::mount
