// KnownDirs: directories whose complete set of names this mount knows, so that the kernel's
// LOOKUP of a name that is not there can be answered ENOENT without a round trip.
//
// Why: creating a file is LOOKUP (the name is new: the server answers 404), CREATE, and the
// commit at close. For a writer of many small files the lookup is a third of the requests.
//
// How the knowledge stays exact: it starts when this mount makes a directory (empty, at the
// version the mkdir answered). Every name this mount then adds to it (create, mkdir, symlink,
// link) answers the directory's version read just after the change; each change to a
// directory's entries (from any client) is one transaction that bumps its version by exactly
// one. So when the answered version is the known one + 1, this mount's change was the only one
// since: the name joins the set and the knowledge is confirmed as of the moment the request
// was sent. Any other version (another client changed the directory: a gap), any failed or
// uncertain change, and every change this mount makes that is not tracked (unlink, rmdir,
// rename, attribute changes) drops the directory's knowledge; the server answers again.
//
// Staleness: knowledge is used only in a directory this mount is filling: it has created a
// file in it since making it (a directory made alone, or made with subdirectories as by
// `mkdir -p`, is often filled by other nodes next; a writer of many files is the case that
// pays), and
// for `ttl` (`strata mount --negative-timeout`, default 1 s like the entry timeout) after its
// last confirmation, never longer. A name another client creates meanwhile may thus look
// absent here for at most that long -- the same bound the kernel's positive entries already
// have for names removed elsewhere. Creating it is still exact: CREATE goes to the server,
// which answers EEXIST for O_EXCL and opens the existing file otherwise (O_TRUNC then
// applies), and the version gap ends the knowledge. ttl 0 turns all of this off.
//
// Expired knowledge is not used but kept: the next name this mount adds may prove it exact
// again (version + 1), e.g. after a writer paused for a while.
//
// Names are kept as 64-bit hashes: a collision can only make an absent name look present,
// which costs a round trip, never a wrong answer. Bounded (kMaxDirs directories, kMaxNames
// names in all, ~32 bytes each): past that, expired directories go first, then the one that
// grows.
//
// Thread-safe.
#pragma once

#include <cstdint>
#include <mutex>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "fs/types.h"

namespace strata::mount {

class KnownDirs {
 public:
  explicit KnownDirs(int64_t ttl_nanos) : ttl_nanos_(ttl_nanos) {}

  // This mount made directory `dir`: empty at `version`. `sent_mono_ns`: when the request left.
  void madeEmpty(fs::InodeId dir, uint64_t version, int64_t sent_mono_ns);
  // This mount added `name` to `dir` in one change; the server read `version_after` just after.
  // `file`: the name is a file this mount created (which makes `dir` one it is filling).
  void added(fs::InodeId dir, std::string_view name, uint64_t version_after, int64_t sent_mono_ns, bool file);
  // True only when `name` is certainly not in `dir` (as of at most `ttl` ago) and this mount
  // is filling `dir`.
  bool absent(fs::InodeId dir, std::string_view name);
  void forget(fs::InodeId dir);

 private:
  static constexpr size_t kMaxDirs = 1024;
  static constexpr size_t kMaxNames = 256 * 1024;
  struct Known {
    uint64_t version = 0;
    int64_t confirmed_mono_ns = 0;
    bool filling = false;  // this mount created a file in it since it made the directory
    std::unordered_set<uint64_t> names;  // hashes
  };
  bool fresh(const Known& k, int64_t now) const { return now - k.confirmed_mono_ns < ttl_nanos_; }
  void eraseLocked(std::unordered_map<fs::InodeId, Known>::iterator it);
  void dropExpiredLocked(int64_t now);

  const int64_t ttl_nanos_;
  std::mutex mu_;
  std::unordered_map<fs::InodeId, Known> dirs_;  // guarded by mu_
  size_t total_names_ = 0;                       // guarded by mu_
};

}  // namespace strata::mount
