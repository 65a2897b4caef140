// MetaTxn: the working set of one namespace transaction of one file system.
//
// Every operation runs as Engine::run([&](Transaction& t) { MetaTxn m(t, ...); ...;
// return m.finish(); }). MetaTxn reads inodes with get() (so they are in the read set) and
// keeps them in memory; an operation changes them in place and marks them with touch();
// finish() writes each changed inode once (version + 1), the usage-counter change and the
// reference-count changes. Directory entries, chunk refs and xattrs are written through at
// once. Callers follow the phantom rule of db/engine.h: whoever changes a directory's entries
// also touches that directory's inode, and whoever needs a stable view of a directory reads
// its inode.
//
// Not thread-safe: one MetaTxn per transaction attempt.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "blob/store.h"
#include "common/status.h"
#include "db/engine.h"
#include "fs/keys.h"
#include "fs/records.h"
#include "fs/refcounts.h"

namespace strata::fs {

class MetaTxn {
 public:
  MetaTxn(db::Transaction& txn, const FsKeys& keys, const WorkspaceKeys& ws, blob::Store& store,
          int64_t now_ns);

  db::Transaction& txn() { return txn_; }
  const FsKeys& keys() const { return keys_; }
  int64_t nowNs() const { return now_ns_; }

  // The inode, read once per transaction. kNotFound when absent.
  Result<InodeRec*> inode(InodeId ino);
  // Same, plus kNotDirectory when it is not a directory.
  Result<InodeRec*> dir(InodeId ino);
  // Registers a new inode (written by finish()).
  InodeRec* addInode(InodeRec rec);
  // Marks a changed inode: ctime (and mtime when `content`) = now; version + 1 at finish().
  void touch(InodeRec* rec, bool content);

  Result<std::optional<DirentRec>> entry(InodeId parent, std::string_view name);
  Status putEntry(InodeId parent, std::string_view name, const DirentRec& e);
  Status delEntry(InodeId parent, std::string_view name);

  // Drops one name of `rec` (already removed from its directory): nlink - 1, and when the
  // last name goes, the inode, its chunk refs (reference counts move) and its xattrs.
  Status dropLink(InodeRec* rec);

  // Sets chunk `index` of `ino` (nullopt: makes it a hole). Reference counts move.
  Status setChunk(InodeId ino, uint64_t index, const std::optional<ChunkRefRec>& ref);
  // Drops chunk refs at or past `new_size` and shortens the one that straddles it.
  Status truncateChunks(InodeId ino, uint64_t new_size);

  void countUsage(FileType type, int64_t delta);
  void countBytes(int64_t delta) { usage_.bytes += delta; }

  // Writes changed inodes, the usage change (one random shard) and reference counts.
  Status finish();

 private:
  struct Slot {
    InodeRec rec;
    bool dirty = false;
    bool is_new = false;
    bool deleted = false;
  };
  Status freeInode(InodeRec* rec);

  db::Transaction& txn_;
  const FsKeys& keys_;
  const WorkspaceKeys& ws_;
  blob::Store& store_;
  int64_t now_ns_;
  std::map<InodeId, Slot> inodes_;
  UsageRec usage_;
  RefDeltas refs_;
};

}  // namespace strata::fs
