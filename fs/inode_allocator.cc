#include "fs/inode_allocator.h"

#include "fs/records.h"

namespace strata::fs {

Result<InodeId> InodeAllocator::next() {
  std::lock_guard<std::mutex> lock(mu_);
  if (next_ == end_) {
    uint64_t first = 0;
    RETURN_IF_ERROR(engine_.run([&](db::Transaction& txn) -> Status {
      ASSIGN_OR_RETURN(auto val, txn.get(counter_key_));
      if (!val) return notFound("inode counter missing: ", counter_key_);
      ASSIGN_OR_RETURN(first, decodeCounter("inode counter", *val));
      return txn.put(counter_key_, encodeCounter(first + range_));
    }));
    next_ = first;
    end_ = first + range_;
  }
  return next_++;
}

}  // namespace strata::fs
