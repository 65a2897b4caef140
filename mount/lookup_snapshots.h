// LookupSnapshots: the attributes and chunk map of a small file as the server answered a
// LOOKUP of its name, kept briefly for the OPEN (or GETATTR) that the same process sends next.
//
// Why: a path walk is a LOOKUP and then an OPEN of the inode it found. When a rename on
// another node replaces the name in between (the write-temp-then-rename pattern), the inode
// is gone by the time the OPEN asks the server; ESTALE makes the kernel look the name up once
// more, and a second replacement within that window would fail the open. A LOOKUP and the
// OPEN that follows it belong to one system call, so the open may be served as of the lookup
// (the point where that call saw the name): the complete previous version, never a mix.
//
// Used only when the server no longer has the inode, only by the process that sent the
// LOOKUP, and only within `max_age` of it, so an open of a file that still exists always
// reads the latest version (close-to-open), and an open long after a stat is not served
// from the stat.
//
// Thread-safe.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <sys/types.h>
#include <unordered_map>
#include <vector>

#include "fs/types.h"
#include "mount/meta_client.h"

namespace strata::mount {

class LookupSnapshots {
 public:
  explicit LookupSnapshots(int64_t max_age_nanos) : max_age_nanos_(max_age_nanos) {}

  void put(pid_t pid, const fs::Attr& attr, std::vector<fs::ChunkRef> refs);
  // The snapshot of `ino` looked up by `pid` within max_age, else nullopt.
  std::optional<ChunkList> find(pid_t pid, fs::InodeId ino);

 private:
  static constexpr size_t kMaxEntries = 1024;
  struct Entry {
    ChunkList list;
    pid_t pid = 0;
    int64_t mono_ns = 0;
  };
  const int64_t max_age_nanos_;
  std::mutex mu_;
  std::unordered_map<fs::InodeId, Entry> entries_;  // guarded by mu_
};

}  // namespace strata::mount
