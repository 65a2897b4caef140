#include "mount/known_dirs.h"

#include <algorithm>
#include <functional>

#include "common/clock.h"

namespace strata::mount {
namespace {

uint64_t nameHash(std::string_view name) { return std::hash<std::string_view>{}(name); }

}  // namespace

void KnownDirs::eraseLocked(std::unordered_map<fs::InodeId, Known>::iterator it) {
  total_names_ -= it->second.names.size();
  dirs_.erase(it);
}

void KnownDirs::dropExpiredLocked(int64_t now) {
  for (auto it = dirs_.begin(); it != dirs_.end();) {
    auto next = std::next(it);
    if (!fresh(it->second, now)) eraseLocked(it);
    it = next;
  }
}

void KnownDirs::madeEmpty(fs::InodeId dir, uint64_t version, int64_t sent_mono_ns) {
  if (ttl_nanos_ <= 0) return;
  std::lock_guard lock(mu_);
  if (auto it = dirs_.find(dir); it != dirs_.end()) eraseLocked(it);
  if (dirs_.size() >= kMaxDirs) {
    dropExpiredLocked(monotonicNanos());
    // Still full of live ones: start over rather than track which is least useful.
    if (dirs_.size() >= kMaxDirs) {
      dirs_.clear();
      total_names_ = 0;
    }
  }
  Known& k = dirs_[dir];
  k.version = version;
  k.confirmed_mono_ns = sent_mono_ns;
  k.filling = false;
}

void KnownDirs::added(fs::InodeId dir, std::string_view name, uint64_t version_after, int64_t sent_mono_ns,
                      bool file) {
  std::lock_guard lock(mu_);
  auto it = dirs_.find(dir);
  if (it == dirs_.end()) return;
  // version + 1: this change was the only one since the known version, so the set is exact
  // again, even if it had expired meanwhile (expiry bounds how old an answer may be; the
  // version proves nothing was missed).
  if (version_after != it->second.version + 1) return eraseLocked(it);
  if (total_names_ >= kMaxNames) {
    dropExpiredLocked(monotonicNanos());
    it = dirs_.find(dir);
    if (it == dirs_.end()) return;
    if (total_names_ >= kMaxNames) return eraseLocked(it);
  }
  Known& k = it->second;
  if (k.names.insert(nameHash(name)).second) ++total_names_;
  k.version = version_after;
  k.filling = k.filling || file;
  k.confirmed_mono_ns = std::max(k.confirmed_mono_ns, sent_mono_ns);
}

bool KnownDirs::absent(fs::InodeId dir, std::string_view name) {
  const int64_t now = monotonicNanos();
  std::lock_guard lock(mu_);
  auto it = dirs_.find(dir);
  if (it == dirs_.end() || !it->second.filling || !fresh(it->second, now)) return false;
  return !it->second.names.contains(nameHash(name));
}

void KnownDirs::forget(fs::InodeId dir) {
  std::lock_guard lock(mu_);
  if (auto it = dirs_.find(dir); it != dirs_.end()) eraseLocked(it);
}

}  // namespace strata::mount
