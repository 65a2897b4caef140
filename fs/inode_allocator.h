// Hands out inode ids without a hot counter key: a process reserves a range of ids from the
// file system's counter record in one small transaction and serves creates from memory.
// Ids of a range that a process never uses (it exits) are simply skipped; ids are 64-bit.
//
// Thread-safe (a mutex guards the current range).
#pragma once

#include <cstdint>
#include <mutex>
#include <string>

#include "common/status.h"
#include "db/engine.h"
#include "fs/types.h"

namespace strata::fs {

class InodeAllocator {
 public:
  InodeAllocator(db::Engine& engine, std::string counter_key, uint64_t range = 1024)
      : engine_(engine), counter_key_(std::move(counter_key)), range_(range) {}

  Result<InodeId> next();

 private:
  db::Engine& engine_;
  const std::string counter_key_;
  const uint64_t range_;
  std::mutex mu_;
  InodeId next_ = 0;  // guarded by mu_; next_ == end_ means no range is held
  InodeId end_ = 0;   // guarded by mu_
};

}  // namespace strata::fs
