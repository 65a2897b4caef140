// VerifiedChunks: the chunk files this process has hashed and found intact, so that reading
// one again need not hash its 4 MiB again while the file is provably the one that was hashed.
// LocalStore consults it on every whole-chunk read (half of a GET's CPU went to re-hashing).
//
// A file is "the one that was hashed" when its identity is unchanged: device, inode, size,
// mtime and ctime (nanoseconds). Every change through the file system (write, truncate, mmap
// store, chmod, a rename over the name) gives the file a new inode or a new ctime, so damage
// done through the file system is always caught by the next read. Two rules close the gaps:
// - The kernel stamps times from a clock that ticks every few ms, so a change in the same
//   tick as the file's previous change would keep its ctime. A file is therefore remembered
//   only when its ctime is at least kSettleNanos older than the hash: any later change then
//   falls in a later tick and shows.
// - Damage that bypasses the file system (the medium itself, a write to the raw device) does
//   not change the identity. An entry is forgotten kTtlNanos after the hash, so such damage is
//   served at most that long after the last verification, and only when the page cache no
//   longer holds the verified bytes; a process restart starts with an empty table.
// At most kMaxEntries files are remembered (the table is cleared when full).
//
// Thread-safe.
#pragma once

#include <sys/stat.h>

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "blob/store.h"

namespace strata::blob {

struct FileIdentity {
  uint64_t dev = 0;
  uint64_t ino = 0;
  uint64_t size = 0;
  int64_t mtime_ns = 0;
  int64_t ctime_ns = 0;
  bool operator==(const FileIdentity&) const = default;
  static FileIdentity of(const struct stat& st);
};

class VerifiedChunks {
 public:
  static constexpr int64_t kSettleNanos = 2'000'000'000;  // 2 s
  static constexpr int64_t kTtlNanos = 60'000'000'000;    // 1 min
  static constexpr size_t kMaxEntries = 1 << 16;          // 256 GiB of 4 MiB chunks

  // Whether `file` was verified as chunk `id` of `ns` less than kTtlNanos ago.
  bool contains(std::string_view ns, const ChunkId& id, const FileIdentity& file);
  // Records that `file` hashed to `id`. `hashed_at_unix_ns` is the wall-clock time when the
  // read that was hashed started (compared with the file's ctime).
  void remember(std::string_view ns, const ChunkId& id, const FileIdentity& file,
                int64_t hashed_at_unix_ns);
  // Drops the entry of a chunk (removed or rewritten).
  void forget(std::string_view ns, const ChunkId& id);

 private:
  struct Entry {
    FileIdentity file;
    int64_t expires_mono_ns = 0;
  };
  static std::string keyOf(std::string_view ns, const ChunkId& id);

  std::mutex mu_;
  std::unordered_map<std::string, Entry> entries_;  // guarded by mu_
};

}  // namespace strata::blob
