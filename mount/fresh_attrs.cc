#include "mount/fresh_attrs.h"

#include "common/clock.h"

namespace strata::mount {

void FreshAttrs::put(const fs::Attr& attr) {
  if (ttl_nanos_ <= 0) return;
  const int64_t now = monotonicNanos();
  std::lock_guard lock(mu_);
  if (entries_.size() >= kMaxEntries) {
    // Entries are consumed by the next GETATTR or expire within the TTL, so a full table
    // holds mostly stale ones: start over rather than track ages.
    entries_.clear();
  }
  entries_[attr.ino] = Entry{attr, now + ttl_nanos_};
}

std::optional<fs::Attr> FreshAttrs::take(fs::InodeId ino) {
  std::lock_guard lock(mu_);
  auto it = entries_.find(ino);
  if (it == entries_.end()) return std::nullopt;
  Entry e = it->second;
  entries_.erase(it);
  if (monotonicNanos() > e.expiry_mono_ns) return std::nullopt;
  return e.attr;
}

void FreshAttrs::drop(fs::InodeId ino) {
  std::lock_guard lock(mu_);
  entries_.erase(ino);
}

}  // namespace strata::mount
