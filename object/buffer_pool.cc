#include "object/buffer_pool.h"

#include <algorithm>

namespace strata::object {

PooledBuffer& PooledBuffer::operator=(PooledBuffer&& other) noexcept {
  if (this != &other) {
    reset();
    pool_ = other.pool_;
    data_ = std::move(other.data_);
    size_ = other.size_;
    other.pool_ = nullptr;
    other.size_ = 0;
  }
  return *this;
}

void PooledBuffer::reset() {
  if (pool_ != nullptr) pool_->give(std::move(data_), size_);
  pool_ = nullptr;
  data_.reset();
  size_ = 0;
}

BufferPool::BufferPool(uint64_t capacity, size_t buffer_size)
    : capacity_(std::max<uint64_t>(capacity, buffer_size)), buffer_size_(buffer_size) {}

BufferPool::~BufferPool() = default;

PooledBuffer BufferPool::acquire(size_t size) { return take(size, /*wait=*/true, /*allocate=*/true); }
PooledBuffer BufferPool::tryAcquire(size_t size) { return take(size, false, true); }
PooledBuffer BufferPool::tryReserve(size_t size) { return take(size, false, false); }
PooledBuffer BufferPool::reserve(size_t size) { return take(size, true, false); }

uint64_t BufferPool::used() const {
  std::lock_guard lock(mu_);
  return used_;
}

PooledBuffer BufferPool::take(size_t size, bool wait, bool allocate) {
  size = static_cast<size_t>(std::min<uint64_t>(std::max<size_t>(size, 1), capacity_));
  PooledBuffer out;
  std::vector<std::unique_ptr<char[]>> dropped;  // freed outside the lock
  {
    std::unique_lock lock(mu_);
    if (allocate && size == buffer_size_ && !free_.empty()) {
      // A recycled buffer: its memory is already counted, as free, in the budget.
      out.data_ = std::move(free_.back());
      free_.pop_back();
      used_ += size;
    } else {
      // Room must be found among the bytes in use and the idle buffers together; idle
      // buffers are freed to make room, so the pool's memory never exceeds its capacity.
      auto room = [&] {
        while (used_ + free_.size() * buffer_size_ + size > capacity_ && !free_.empty()) {
          dropped.push_back(std::move(free_.back()));
          free_.pop_back();
        }
        return used_ + size <= capacity_;
      };
      if (wait) {
        cv_.wait(lock, room);
      } else if (!room()) {
        return out;
      }
      used_ += size;
    }
  }
  out.pool_ = this;
  out.size_ = size;
  // Allocated outside the lock, and left uninitialized: every byte is written before it is read.
  if (allocate && !out.data_) out.data_.reset(new char[size]);
  return out;
}

void BufferPool::give(std::unique_ptr<char[]> data, size_t size) {
  {
    std::lock_guard lock(mu_);
    used_ -= size;
    if (data && size == buffer_size_) free_.push_back(std::move(data));
  }
  // `data` (a smaller buffer) is freed here, outside the lock.
  cv_.notify_all();
}

}  // namespace strata::object
