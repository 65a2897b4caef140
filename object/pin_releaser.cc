#include "object/pin_releaser.h"

#include <spdlog/spdlog.h>

namespace strata::object {

PinReleaser::PinReleaser(fs::ChunkManager& chunks) : chunks_(chunks), thread_([this] { run(); }) {}

PinReleaser::~PinReleaser() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void PinReleaser::release(std::string ws, std::string upload_id) {
  {
    std::lock_guard lock(mu_);
    if (queue_.size() < kMaxQueued && !stopping_) {
      queue_.emplace_back(std::move(ws), std::move(upload_id));
      cv_.notify_one();
      return;
    }
  }
  drop(ws, upload_id);
}

void PinReleaser::flush() {
  std::unique_lock lock(mu_);
  idle_cv_.wait(lock, [&] { return queue_.empty() && !busy_; });
}

void PinReleaser::run() {
  std::unique_lock lock(mu_);
  for (;;) {
    cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopping, and everything queued is done
    auto [ws, upload_id] = std::move(queue_.front());
    queue_.pop_front();
    busy_ = true;
    lock.unlock();
    drop(ws, upload_id);
    lock.lock();
    busy_ = false;
    if (queue_.empty()) idle_cv_.notify_all();
  }
}

void PinReleaser::drop(const std::string& ws, const std::string& upload_id) {
  Status st = chunks_.endUpload(ws, upload_id);
  if (!st.ok()) {
    spdlog::warn("object put: dropping chunk pins of {} failed: {}", upload_id, st.toString());
  }
}

}  // namespace strata::object
