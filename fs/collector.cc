#include "fs/collector.h"

#include <spdlog/spdlog.h>

#include "common/clock.h"

namespace strata::fs {

void Collector::start(std::chrono::milliseconds interval) {
  std::lock_guard<std::mutex> start_lock(start_mu_);
  if (thread_.joinable()) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = false;
  }
  thread_ = std::thread([this, interval] { loop(interval); });
}

void Collector::stop() {
  std::lock_guard<std::mutex> start_lock(start_mu_);
  if (!thread_.joinable()) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

GcStats Collector::totals() const {
  std::lock_guard<std::mutex> lock(mu_);
  return totals_;
}

uint64_t Collector::passes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return passes_;
}

void Collector::loop(std::chrono::milliseconds interval) {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    if (cv_.wait_for(lock, interval, [this] { return stopping_; })) return;
    lock.unlock();  // a pass may take long; stop() must be able to set the flag meanwhile
    auto stats = chunks_.collect(nowUnix(), /*ignore_pins=*/false);
    lock.lock();
    ++passes_;
    if (!stats.ok()) {
      spdlog::warn("chunk collector pass failed: {}", stats.status().toString());
      continue;
    }
    totals_.chunks_deleted += stats->chunks_deleted;
    totals_.bytes_deleted += stats->bytes_deleted;
    totals_.orphans_found += stats->orphans_found;
    if (stats->chunks_deleted || stats->orphans_found) {
      spdlog::info("chunk collector: deleted {} chunks ({} bytes), found {} orphans",
                   stats->chunks_deleted, stats->bytes_deleted, stats->orphans_found);
    }
  }
}

}  // namespace strata::fs
