#include "server/gc_loop.h"

#include <spdlog/spdlog.h>

#include "common/clock.h"
#include "common/metrics.h"

namespace strata::server {

Result<fs::GcStats> runCollectorPass(fs::ChunkManager& chunks, bool ignore_pins) {
  metrics::describe("strata_gc_runs_total", metrics::Type::kCounter, "Collector passes, by result.");
  metrics::describe("strata_gc_chunks_deleted_total", metrics::Type::kCounter,
                    "Unreferenced chunks deleted by the collector.");
  metrics::describe("strata_gc_bytes_deleted_total", metrics::Type::kCounter,
                    "Bytes of chunks deleted by the collector.");
  metrics::describe("strata_gc_orphans_found_total", metrics::Type::kCounter,
                    "Stored chunks found with no reference record.");
  metrics::describe("strata_gc_last_run_seconds", metrics::Type::kGauge,
                    "Duration of the last collector pass.");
  const int64_t start = monotonicNanos();
  auto stats = chunks.collect(nowUnix(), ignore_pins);
  const double seconds = static_cast<double>(monotonicNanos() - start) / 1e9;
  metrics::set("strata_gc_last_run_seconds", {}, seconds);
  if (!stats.ok()) {
    metrics::inc("strata_gc_runs_total", {{"result", "error"}});
    spdlog::warn("collector pass failed: {}", stats.status().toString());
    return stats;
  }
  metrics::inc("strata_gc_runs_total", {{"result", "ok"}});
  metrics::inc("strata_gc_chunks_deleted_total", {}, static_cast<double>(stats->chunks_deleted));
  metrics::inc("strata_gc_bytes_deleted_total", {}, static_cast<double>(stats->bytes_deleted));
  metrics::inc("strata_gc_orphans_found_total", {}, static_cast<double>(stats->orphans_found));
  spdlog::info("collector: deleted {} chunks ({} bytes), {} orphans, {:.3f}s", stats->chunks_deleted,
               stats->bytes_deleted, stats->orphans_found, seconds);
  return stats;
}

GcLoop::GcLoop(fs::ChunkManager& chunks, std::chrono::seconds interval)
    : chunks_(chunks), interval_(interval) {
  if (interval_.count() > 0) thread_ = std::thread([this] { run(); });
}

GcLoop::~GcLoop() { stop(); }

void GcLoop::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void GcLoop::run() {
  std::unique_lock lock(mu_);
  for (;;) {
    if (cv_.wait_for(lock, interval_, [this] { return stopping_; })) return;
    lock.unlock();
    runCollectorPass(chunks_, /*ignore_pins=*/false).status().ignoreError();
    lock.lock();
  }
}

}  // namespace strata::server
