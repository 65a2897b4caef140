// Collector: runs ChunkManager::collect() every `interval` on its own thread, for the
// server to own. Errors of a pass are logged and the next pass runs as planned.
//
// Thread-safe: start/stop/runOnce may be called from any thread; the destructor stops.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

#include "fs/chunk_manager.h"

namespace strata::fs {

class Collector {
 public:
  explicit Collector(ChunkManager& chunks) : chunks_(chunks) {}
  ~Collector() { stop(); }
  Collector(const Collector&) = delete;
  Collector& operator=(const Collector&) = delete;

  // Starts the thread; the first pass runs after one interval. No-op when running.
  void start(std::chrono::milliseconds interval);
  // Wakes the thread, waits for a running pass to end and joins. No-op when stopped.
  void stop();

  // Totals over all passes so far, and how many passes ran.
  GcStats totals() const;
  uint64_t passes() const;

 private:
  void loop(std::chrono::milliseconds interval);

  ChunkManager& chunks_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;  // guarded by mu_
  GcStats totals_;         // guarded by mu_
  uint64_t passes_ = 0;    // guarded by mu_
  std::thread thread_;     // touched only by start/stop, under start_mu_
  std::mutex start_mu_;
};

}  // namespace strata::fs
