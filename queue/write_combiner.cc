#include "queue/write_combiner.h"

#include <utility>

namespace strata::queue {

Status WriteCombiner::write(const db::WriteBatch& batch) {
  if (batch.empty()) return Status::OK();
  Waiter self;
  self.batch = &batch;
  std::unique_lock lock(mu_);
  pending_.push_back(&self);
  while (!self.done) {
    if (writing_) {
      self.cv.wait(lock);
      continue;
    }
    // Lead: write everything queued so far (this caller's batch is among it).
    writing_ = true;
    std::vector<Waiter*> group;
    group.swap(pending_);
    lock.unlock();
    Status s;
    if (group.size() == 1) {
      s = engine_.write(*group.front()->batch, durability_);
    } else {
      combined_.clear();
      for (const Waiter* w : group) {
        w->batch->forEach([&](db::WriteBatch::Op op, std::string_view key, std::string_view value) {
          if (op == db::WriteBatch::Op::kPut) {
            combined_.put(key, value);
          } else {
            combined_.del(key);
          }
        });
      }
      s = engine_.write(combined_, durability_);
    }
    lock.lock();
    for (Waiter* w : group) {
      w->status = s;
      w->done = true;
    }
    writing_ = false;
    // Under mu_: a caller returns (destroying its Waiter) only after taking mu_ again.
    for (Waiter* w : group) w->cv.notify_one();
    if (!pending_.empty()) pending_.front()->cv.notify_one();  // leads the next group
  }
  return self.status;
}

}  // namespace strata::queue
