// PinReleaser: drops the chunk pins of finished puts (fs::ChunkManager::endUpload) on a
// background thread, so a PUT's response does not wait for the metadata transactions that
// dropping pins costs. Nothing depends on the pins once the object's references are
// committed: they only keep the collector away from chunks not yet referenced. A pin whose
// release is lost (crash, full queue) expires by itself; only the collector's work is delayed.
//
// Thread-safe. The destructor finishes what is queued.
#pragma once

#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <utility>

#include "fs/chunk_manager.h"

namespace strata::object {

class PinReleaser {
 public:
  explicit PinReleaser(fs::ChunkManager& chunks);
  ~PinReleaser();
  PinReleaser(const PinReleaser&) = delete;
  PinReleaser& operator=(const PinReleaser&) = delete;

  // Queues endUpload(ws, upload_id); runs it at once on the caller's thread when the queue is
  // full (kMaxQueued), so a slow engine slows puts down instead of growing memory.
  void release(std::string ws, std::string upload_id);
  // Waits until every release queued before the call has run (tests, shutdown).
  void flush();

 private:
  static constexpr size_t kMaxQueued = 4096;
  void run();
  void drop(const std::string& ws, const std::string& upload_id);

  fs::ChunkManager& chunks_;
  std::mutex mu_;
  std::condition_variable cv_;       // work queued, or stopping
  std::condition_variable idle_cv_;  // the queue drained
  std::deque<std::pair<std::string, std::string>> queue_;  // guarded by mu_
  bool busy_ = false;                                      // guarded by mu_
  bool stopping_ = false;                                  // guarded by mu_
  std::thread thread_;
};

}  // namespace strata::object
