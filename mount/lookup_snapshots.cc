#include "mount/lookup_snapshots.h"

#include "common/clock.h"

namespace strata::mount {

void LookupSnapshots::put(pid_t pid, const fs::Attr& attr, std::vector<fs::ChunkRef> refs) {
  const int64_t now = monotonicNanos();
  std::lock_guard lock(mu_);
  if (entries_.size() >= kMaxEntries) {
    // Entries matter for a few milliseconds: dropping the lot costs at most an ESTALE retry.
    entries_.clear();
  }
  entries_[attr.ino] = Entry{ChunkList{attr, std::move(refs)}, pid, now};
}

std::optional<ChunkList> LookupSnapshots::find(pid_t pid, fs::InodeId ino) {
  std::lock_guard lock(mu_);
  auto it = entries_.find(ino);
  if (it == entries_.end()) return std::nullopt;
  if (it->second.pid != pid || monotonicNanos() - it->second.mono_ns > max_age_nanos_) return std::nullopt;
  return it->second.list;
}

}  // namespace strata::mount
