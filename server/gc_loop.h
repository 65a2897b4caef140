// The background chunk collector of a running server: one ChunkManager::collect pass every
// `interval` on its own thread (the grace period and pin rules live in fs/, see
// fs/chunk_manager.h). runCollectorPass is also what `strata server gc` runs offline.
//
// Thread-safety: construct and destroy from one thread; the pass itself runs on the loop's
// thread, concurrently with request handlers (the collector is safe against them by design).
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "common/status.h"
#include "fs/chunk_manager.h"

namespace strata::server {

// One pass at the current time, recorded in metrics (strata_gc_*) and the log.
Result<fs::GcStats> runCollectorPass(fs::ChunkManager& chunks, bool ignore_pins);

class GcLoop {
 public:
  // interval <= 0 disables the loop.
  GcLoop(fs::ChunkManager& chunks, std::chrono::seconds interval);
  ~GcLoop();  // stop()s
  GcLoop(const GcLoop&) = delete;
  GcLoop& operator=(const GcLoop&) = delete;

  // Waits for a pass in progress to finish; no pass starts afterwards.
  void stop();

 private:
  void run();

  fs::ChunkManager& chunks_;
  const std::chrono::seconds interval_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;  // guarded by mu_
  std::thread thread_;
};

}  // namespace strata::server
