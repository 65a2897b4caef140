// The chunk collector as the server sees it: metrics for the background passes of
// fs::Collector (owned by Server), and one offline pass for `strata server gc`.
#pragma once

#include <cstdint>
#include <mutex>

#include "common/status.h"
#include "fs/chunk_manager.h"
#include "fs/collector.h"

namespace strata::server {

// Declares the strata_gc_* metrics.
void describeGcMetrics();

// One pass at the current time, recorded in the strata_gc_* metrics.
Result<fs::GcStats> runCollectorPass(fs::ChunkManager& chunks, bool ignore_pins);

// Moves the strata_gc_* counters up to fs::Collector's running totals; called before each
// /metrics render. Thread-safe.
class CollectorMetrics {
 public:
  explicit CollectorMetrics(const fs::Collector& collector) : collector_(collector) {}
  void refresh();

 private:
  const fs::Collector& collector_;
  std::mutex mu_;
  fs::GcStats reported_;        // guarded by mu_
  uint64_t reported_passes_ = 0;  // guarded by mu_
};

}  // namespace strata::server
