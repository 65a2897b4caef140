// BufferPool: the memory object requests stream through, under one byte budget for the whole
// service, so the server's memory stays bounded however many PUTs and GETs run at once (the
// issue's budget is 256 MiB for the whole server; the default is 96 MiB of it).
//
// - A put receives its body into pool buffers, a get reads chunks ahead into reservations;
//   each request blocks for its FIRST buffer only (acquire) and takes more, to pipeline, only
//   when the budget has room (tryAcquire). A request never waits while it holds a buffer, so
//   requests cannot deadlock each other, and a request always makes progress with one buffer.
// - Full-size (kChunkSize) buffers are recycled through a free list instead of being freed:
//   no per-request 4 MiB malloc/munmap, no zero-filling, pages stay faulted in. Idle buffers
//   count against the capacity too (they are freed when other requests need the room), so
//   the bytes in use plus the idle buffers never exceed the capacity.
//
// Thread-safe.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

namespace strata::object {

class BufferPool;

// A buffer of `size()` bytes charged to a pool (or an empty one). Move-only; returns its bytes
// (and, when full-size, the memory itself) to the pool when destroyed or reset.
class PooledBuffer {
 public:
  PooledBuffer() = default;
  PooledBuffer(PooledBuffer&& other) noexcept { *this = std::move(other); }
  PooledBuffer& operator=(PooledBuffer&& other) noexcept;
  ~PooledBuffer() { reset(); }

  char* data() const { return data_.get(); }
  size_t size() const { return size_; }
  explicit operator bool() const { return pool_ != nullptr; }
  void reset();

 private:
  friend class BufferPool;
  BufferPool* pool_ = nullptr;
  std::unique_ptr<char[]> data_;  // null for a reservation (bytes charged, no memory)
  size_t size_ = 0;
};

class BufferPool {
 public:
  // `capacity` bytes in total; `buffer_size` is the size that is recycled.
  BufferPool(uint64_t capacity, size_t buffer_size);
  ~BufferPool();
  BufferPool(const BufferPool&) = delete;
  BufferPool& operator=(const BufferPool&) = delete;

  // A buffer of `size` bytes (clipped to the capacity), waiting until the budget has room.
  PooledBuffer acquire(size_t size);
  // Same without waiting: an empty PooledBuffer when the budget has no room.
  PooledBuffer tryAcquire(size_t size);
  // Charges `size` bytes without allocating memory (for bytes another layer allocates, such
  // as chunk reads, which are then held only while charged); an empty PooledBuffer when the
  // budget has no room. Never waits.
  PooledBuffer tryReserve(size_t size);
  // Same, waiting for room.
  PooledBuffer reserve(size_t size);

  uint64_t capacity() const { return capacity_; }
  uint64_t used() const;

 private:
  friend class PooledBuffer;
  PooledBuffer take(size_t size, bool wait, bool allocate);
  void give(std::unique_ptr<char[]> data, size_t size);

  const uint64_t capacity_;
  const size_t buffer_size_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  uint64_t used_ = 0;                          // guarded by mu_
  std::vector<std::unique_ptr<char[]>> free_;  // guarded by mu_; full-size buffers
};

}  // namespace strata::object
