// UnpublishedChunks: LocalStore's deferred puts between their write and their publication.
//
// A deferred put (ChunkPutOptions::defer_durability) writes its chunk to a temp file, starts
// the writeback (sync_file_range) and hands the file over here: it neither waits for the disk
// nor renames. From then on the chunk is visible by its final path (open(), so reads and "is
// it stored?" see it at once), and it is published -- fdatasynced, then renamed to its final
// name as a change of the DirSyncGroup -- by a background thread as the disk catches up, or
// at the latest by publishAll(), which LocalStore::sync() runs before its directory round.
// So the disk writes one chunk while the next is received, instead of every PUT waiting for
// its own fdatasync; and the name of a chunk never reaches the disk ahead of its bytes.
//
// kill -9: the temp file's bytes are whole in the page cache, and opening the store promotes
// a temp file whose bytes hash to its name (local_store.cc), so a put that returned survives.
// Failure: after a failed fdatasync or rename the bytes are in doubt (the kernel may have
// dropped the dirty pages, and a second fdatasync would report success), so the set fails for
// good: every later add() and publishAll() returns the error, until a restart sorts the temp
// files out by their hashes (PostgreSQL's answer to fsync failures).
// Bounded: add() waits while kMaxUnpublished chunks wait (their descriptors stay open).
//
// Thread-safe.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "blob/dir_sync_group.h"
#include "common/status.h"
#include "common/unique_fd.h"

namespace strata::blob {

// A chunk written to a temp file beside its final name.
struct TempChunk {
  UniqueFd dir_fd;  // the directory of both names
  UniqueFd fd;      // the temp file, open for reading and writing
  std::string dir;  // path of that directory (errors, the directory round)
  std::string tmp;  // temp name in dir
  std::string name; // final name in dir
};

class UnpublishedChunks {
 public:
  static constexpr size_t kMaxUnpublished = 64;  // 256 MiB of 4 MiB chunks

  explicit UnpublishedChunks(DirSyncGroup& group);
  ~UnpublishedChunks();  // publishes what is left (best effort) and stops the thread

  // Takes over a written temp file; `key` is its final path. When the same chunk already
  // waits, the new temp file is removed (same bytes). Waits while too many chunks wait.
  Status add(const std::string& key, TempChunk chunk);
  // A new descriptor of the waiting chunk's temp file (read it with pread; it stays valid
  // after the rename), or an empty one when no such chunk waits.
  UniqueFd open(const std::string& key) const;
  bool contains(const std::string& key) const;
  // When it returns OK, every chunk added before the call was fdatasynced and renamed into
  // place (the renames are changes of the group; its sync() makes them durable).
  Status publishAll();
  // Forgets a waiting chunk and removes its temp file; a round in progress finishes first,
  // so the chunk is not renamed into place after this returns.
  void remove(const std::string& key);

 private:
  Status publishRound();  // REQUIRES: round_mu_ held
  void run();

  DirSyncGroup& group_;
  std::mutex round_mu_;  // one publication round at a time
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, std::shared_ptr<TempChunk>> waiting_;  // guarded by mu_
  Status failed_;                                              // guarded by mu_; sticky
  bool stop_ = false;                                          // guarded by mu_
  std::thread thread_;  // last: started once the rest is ready
};

}  // namespace strata::blob
