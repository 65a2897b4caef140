// Live progress of one transfer. Workers add to atomic counters; when enabled (-p and stderr is a
// terminal) a background thread redraws one line on stderr five times a second ("\r" + line +
// clear-to-end). Without a terminal nothing is drawn, so logs and pipes stay clean.
//
// Thread-safety: the add* calls are lock-free and may be called from any thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

#include "cli/format.h"

namespace strata::cli {

class Progress {
 public:
  // `draw`: whether to draw at all (the caller passes -p && isatty(stderr)).
  explicit Progress(bool draw);
  ~Progress();  // stops drawing and clears the line
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  void addTotals(uint64_t bytes, uint64_t files) {
    bytes_total_ += bytes;
    files_total_ += files;
  }
  void addBytes(uint64_t n) { bytes_done_ += n; }
  void addFiles(uint64_t n) { files_done_ += n; }
  // Bytes that actually crossed the network (chunks sent or fetched).
  void addWire(uint64_t n) { wire_bytes_ += n; }

  TransferCounts counts() const;
  uint64_t wireBytes() const { return wire_bytes_; }
  double elapsedSeconds() const;
  // Stops the drawing thread and erases the line (idempotent).
  void finish();

 private:
  void drawLoop();

  std::atomic<uint64_t> bytes_done_{0}, bytes_total_{0}, files_done_{0}, files_total_{0}, wire_bytes_{0};
  const int64_t start_ns_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;  // guarded by mu_
  std::thread thread_;
};

}  // namespace strata::cli
