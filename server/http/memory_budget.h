// MemoryBudget: a process-wide cap on the bytes that request handlers buffer at once (chunk
// bodies being uploaded, chunks being streamed out). Without it, memory grows with the number
// of connections (64 parallel 4 MiB PUTs are 256 MiB); with it, extra requests wait their turn
// and the server's peak memory stays bounded whatever the clients do.
//
// Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>

#include "common/status.h"

namespace strata::server::http {

class MemoryBudget {
 public:
  explicit MemoryBudget(uint64_t capacity) : capacity_(capacity) {}

  // Holds `bytes` of the budget while alive.
  class Lease {
   public:
    Lease() = default;
    Lease(Lease&& other) noexcept : budget_(other.budget_), bytes_(other.bytes_) { other.budget_ = nullptr; }
    Lease& operator=(Lease&& other) noexcept {
      release();
      budget_ = other.budget_;
      bytes_ = other.bytes_;
      other.budget_ = nullptr;
      return *this;
    }
    ~Lease() { release(); }

   private:
    friend class MemoryBudget;
    Lease(MemoryBudget* b, uint64_t n) : budget_(b), bytes_(n) {}
    void release() {
      if (budget_ != nullptr) budget_->give(bytes_);
      budget_ = nullptr;
    }
    MemoryBudget* budget_ = nullptr;
    uint64_t bytes_ = 0;
  };

  // Waits up to `wait` for `bytes` to be free; kBusy when they do not free up in time.
  // A request larger than the whole capacity is clipped to it (it then runs alone).
  Result<Lease> acquire(uint64_t bytes, std::chrono::milliseconds wait = std::chrono::seconds(60)) {
    if (bytes > capacity_) bytes = capacity_;
    std::unique_lock lock(mu_);
    if (!cv_.wait_for(lock, wait, [&] { return used_ + bytes <= capacity_; })) {
      return busy("server memory budget exhausted; retry");
    }
    used_ += bytes;
    return Lease(this, bytes);
  }

  uint64_t used() const {
    std::lock_guard lock(mu_);
    return used_;
  }

 private:
  void give(uint64_t bytes) {
    {
      std::lock_guard lock(mu_);
      used_ -= bytes;
    }
    cv_.notify_all();
  }

  const uint64_t capacity_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  uint64_t used_ = 0;  // guarded by mu_
};

}  // namespace strata::server::http
