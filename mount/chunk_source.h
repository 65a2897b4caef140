// ChunkSource: where the mount gets chunk bytes — the local disk cache, else the server (the
// bytes are verified against the id by MetaClient::readChunk and then cached). Concurrent
// misses of one chunk are merged into one download; readahead and cache warming run on a
// worker pool.
//
// Thread-safe.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_set>

#include "common/sha256.h"
#include "common/status.h"
#include "mount/chunk_cache.h"
#include "mount/meta_client.h"
#include "mount/worker_pool.h"

namespace strata::mount {

class ChunkSource {
 public:
  ChunkSource(const MetaClient& meta, ChunkCache& cache, int fetch_threads);

  // Bytes [offset, offset+length) of chunk `id` (fewer when the blob is shorter).
  Result<std::string> read(const Digest& id, uint64_t offset, uint64_t length);
  // Starts fetching `id` into the cache in the background unless it is there or on its way.
  void prefetch(const Digest& id);
  // Makes sure `id` is in the cache (fetches it when needed); for `strata cache warm`.
  Status ensure(const Digest& id);

  ChunkCache& cache() { return cache_; }

 private:
  // Downloads `id` once even when many threads ask; returns the bytes when this call fetched.
  Result<std::shared_ptr<const std::string>> fetch(const Digest& id);

  const MetaClient& meta_;
  ChunkCache& cache_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::unordered_set<Digest> inflight_;  // guarded by mu_
  WorkerPool pool_;
};

}  // namespace strata::mount
