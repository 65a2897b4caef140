// FreshAttrs: directory attributes the server sent along with a change this mount made (the
// "parent" of a create, mkdir, symlink or link answer), kept for one use.
//
// Why: after the kernel adds a name to a directory it drops its cached attributes of that
// directory (fuse_dir_changed), and with default_permissions the next path walk through it
// asks for them again (GETATTR) before it checks the caller's permissions. Creating many files
// in one directory would pay a round trip per file for attributes the server just sent. The
// first GETATTR of the directory within `ttl` after the change is answered from here; the
// entry is consumed by it, so only that one answer comes from the mount (the kernel then
// caches it for the attribute timeout, as it would have anyway).
//
// Any other change this mount makes to a directory (unlink, rmdir, rename, setattr, xattrs)
// must drop() its entry: the attributes held here would then be older than that change.
//
// Thread-safe.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <unordered_map>

#include "fs/types.h"

namespace strata::mount {

class FreshAttrs {
 public:
  explicit FreshAttrs(int64_t ttl_nanos) : ttl_nanos_(ttl_nanos) {}

  // Keeps `attr` (of attr.ino) until taken, dropped, or `ttl` has passed.
  void put(const fs::Attr& attr);
  // The kept attributes of `ino` when fresh, removing them; nullopt otherwise.
  std::optional<fs::Attr> take(fs::InodeId ino);
  void drop(fs::InodeId ino);

 private:
  static constexpr size_t kMaxEntries = 4096;
  struct Entry {
    fs::Attr attr;
    int64_t expiry_mono_ns = 0;
  };
  const int64_t ttl_nanos_;
  std::mutex mu_;
  std::unordered_map<fs::InodeId, Entry> entries_;  // guarded by mu_
};

}  // namespace strata::mount
