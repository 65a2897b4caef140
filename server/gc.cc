#include "server/gc.h"

#include "common/clock.h"
#include "common/metrics.h"

namespace strata::server {
namespace {

void addStats(const fs::GcStats& s) {
  metrics::inc("strata_gc_chunks_deleted_total", {}, static_cast<double>(s.chunks_deleted));
  metrics::inc("strata_gc_bytes_deleted_total", {}, static_cast<double>(s.bytes_deleted));
  metrics::inc("strata_gc_orphans_found_total", {}, static_cast<double>(s.orphans_found));
}

}  // namespace

void describeGcMetrics() {
  metrics::describe("strata_gc_runs_total", metrics::Type::kCounter, "Collector passes.");
  metrics::describe("strata_gc_chunks_deleted_total", metrics::Type::kCounter,
                    "Unreferenced chunks deleted by the collector.");
  metrics::describe("strata_gc_bytes_deleted_total", metrics::Type::kCounter,
                    "Bytes of chunks deleted by the collector.");
  metrics::describe("strata_gc_orphans_found_total", metrics::Type::kCounter,
                    "Stored chunks found with no reference record.");
}

Result<fs::GcStats> runCollectorPass(fs::ChunkManager& chunks, bool ignore_pins) {
  describeGcMetrics();
  auto stats = chunks.collect(nowUnix(), ignore_pins);
  metrics::inc("strata_gc_runs_total");
  if (stats.ok()) addStats(*stats);
  return stats;
}

void CollectorMetrics::refresh() {
  std::lock_guard lock(mu_);
  fs::GcStats now = collector_.totals();
  uint64_t passes = collector_.passes();
  addStats(fs::GcStats{now.chunks_deleted - reported_.chunks_deleted,
                       now.bytes_deleted - reported_.bytes_deleted,
                       now.orphans_found - reported_.orphans_found});
  metrics::inc("strata_gc_runs_total", {}, static_cast<double>(passes - reported_passes_));
  reported_ = now;
  reported_passes_ = passes;
}

}  // namespace strata::server
