#include "cli/progress.h"

#include <cstdio>

#include "common/clock.h"

namespace strata::cli {

Progress::Progress(bool draw) : start_ns_(monotonicNanos()) {
  if (draw) thread_ = std::thread([this] { drawLoop(); });
}

Progress::~Progress() { finish(); }

TransferCounts Progress::counts() const {
  return TransferCounts{bytes_done_.load(), bytes_total_.load(), files_done_.load(), files_total_.load()};
}

double Progress::elapsedSeconds() const { return static_cast<double>(monotonicNanos() - start_ns_) / 1e9; }

void Progress::finish() {
  {
    std::lock_guard lock(mu_);
    if (stop_) return;
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) {
    thread_.join();
    std::fputs("\r\033[K", stderr);
    std::fflush(stderr);
  }
}

void Progress::drawLoop() {
  std::unique_lock lock(mu_);
  while (!stop_) {
    const std::string line = progressLine(counts(), elapsedSeconds());
    std::fprintf(stderr, "\r%s\033[K", line.c_str());
    std::fflush(stderr);
    cv_.wait_for(lock, std::chrono::milliseconds(200));
  }
}

}  // namespace strata::cli
