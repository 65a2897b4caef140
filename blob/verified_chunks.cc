#include "blob/verified_chunks.h"

#include "common/clock.h"

namespace strata::blob {

FileIdentity FileIdentity::of(const struct stat& st) {
  return FileIdentity{static_cast<uint64_t>(st.st_dev), static_cast<uint64_t>(st.st_ino),
                      static_cast<uint64_t>(st.st_size),
                      st.st_mtim.tv_sec * 1'000'000'000LL + st.st_mtim.tv_nsec,
                      st.st_ctim.tv_sec * 1'000'000'000LL + st.st_ctim.tv_nsec};
}

std::string VerifiedChunks::keyOf(std::string_view ns, const ChunkId& id) {
  std::string key(ns);
  key.push_back('/');
  key.append(reinterpret_cast<const char*>(id.bytes.data()), id.bytes.size());
  return key;
}

bool VerifiedChunks::contains(std::string_view ns, const ChunkId& id, const FileIdentity& file) {
  const std::string key = keyOf(ns, id);
  const int64_t now = monotonicNanos();
  std::lock_guard lock(mu_);
  auto it = entries_.find(key);
  if (it == entries_.end()) return false;
  if (it->second.file != file || it->second.expires_mono_ns <= now) {
    entries_.erase(it);
    return false;
  }
  return true;
}

void VerifiedChunks::remember(std::string_view ns, const ChunkId& id, const FileIdentity& file,
                              int64_t hashed_at_unix_ns) {
  if (file.ctime_ns > hashed_at_unix_ns - kSettleNanos) return;  // changed too recently
  const std::string key = keyOf(ns, id);
  const int64_t expires = monotonicNanos() + kTtlNanos;
  std::lock_guard lock(mu_);
  if (entries_.size() >= kMaxEntries && !entries_.contains(key)) entries_.clear();
  entries_[key] = Entry{file, expires};
}

void VerifiedChunks::forget(std::string_view ns, const ChunkId& id) {
  const std::string key = keyOf(ns, id);
  std::lock_guard lock(mu_);
  entries_.erase(key);
}

}  // namespace strata::blob
