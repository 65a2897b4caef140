#include "mount/chunk_source.h"

#include <spdlog/spdlog.h>

namespace strata::mount {

ChunkSource::ChunkSource(const MetaClient& meta, ChunkCache& cache, int fetch_threads)
    : meta_(meta), cache_(cache), pool_(fetch_threads, 256) {}

Result<std::shared_ptr<const std::string>> ChunkSource::fetch(const Digest& id) {
  {
    std::unique_lock lock(mu_);
    if (inflight_.count(id)) {
      // Someone else is downloading it: wait, then the caller reads the cache.
      cv_.wait(lock, [&] { return inflight_.count(id) == 0; });
      return std::shared_ptr<const std::string>();
    }
    inflight_.insert(id);
  }
  auto bytes = meta_.readChunk(id);
  if (bytes.ok()) {
    Status st = cache_.put(id, *bytes);
    if (!st.ok()) spdlog::warn("chunk cache: {}", st.toString());
  }
  {
    std::lock_guard lock(mu_);
    inflight_.erase(id);
  }
  cv_.notify_all();
  if (!bytes.ok()) return bytes.status();
  return std::make_shared<const std::string>(std::move(bytes).value());
}

Result<std::string> ChunkSource::read(const Digest& id, uint64_t offset, uint64_t length) {
  for (int attempt = 0; attempt < 3; ++attempt) {
    if (auto hit = cache_.read(id, offset, length)) return std::move(*hit);
    ASSIGN_OR_RETURN(auto bytes, fetch(id));
    if (bytes) {
      if (offset >= bytes->size()) return std::string();
      return bytes->substr(offset, length);
    }
    // Another thread fetched it; the cache should have it now (unless it was evicted at
    // once or the fetch failed, in which case the next round fetches itself).
  }
  ASSIGN_OR_RETURN(std::string bytes, meta_.readChunk(id));
  if (offset >= bytes.size()) return std::string();
  return bytes.substr(offset, length);
}

void ChunkSource::prefetch(const Digest& id) {
  if (cache_.contains(id)) return;
  {
    std::lock_guard lock(mu_);
    if (inflight_.count(id)) return;
  }
  pool_.post([this, id] {
    if (cache_.contains(id)) return;
    auto r = fetch(id);
    if (!r.ok()) spdlog::debug("readahead of {} failed: {}", id.hex(), r.status().toString());
  });
}

Status ChunkSource::ensure(const Digest& id) {
  if (cache_.contains(id)) return Status::OK();
  return fetch(id).status();
}

}  // namespace strata::mount
