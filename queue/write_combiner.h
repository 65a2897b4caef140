// queue::WriteCombiner: group commit of the queue's engine writes. Concurrent callers' batches
// (sends, acks, claims of any queue) are applied as one Engine::write: one write-ahead-log
// record for the group, and one batch whose keys the engine inserts into its memtable in a
// single pass. Concurrent small writes otherwise reach RocksDB as a write group inserted in
// parallel, where every key pays a full skip-list search (the largest cost of a queue message
// once the queue was reduced to a put per send and a delete per ack).
//
// Promise: write(batch) returns once `batch` was applied atomically with the combiner's
// durability, exactly as Engine::write(batch) would; batches of one group are applied together
// (all or nothing) in the order their callers arrived, so an error fails the whole group.
//
// Thread-safe. The first caller that finds no write under way becomes the leader: it writes
// every batch queued so far, its own included, while later callers queue for the next group.
#pragma once

#include <condition_variable>
#include <mutex>
#include <vector>

#include "common/status.h"
#include "db/engine.h"

namespace strata::queue {

class WriteCombiner {
 public:
  WriteCombiner(db::Engine& engine, db::Durability durability) : engine_(engine), durability_(durability) {}

  Status write(const db::WriteBatch& batch);

 private:
  struct Waiter {
    const db::WriteBatch* batch = nullptr;
    Status status;                // guarded by mu_
    bool done = false;            // guarded by mu_
    std::condition_variable cv;   // wakes this caller alone: its group is done, or it leads next
  };

  db::Engine& engine_;
  const db::Durability durability_;

  std::mutex mu_;
  std::vector<Waiter*> pending_;  // guarded by mu_
  bool writing_ = false;          // guarded by mu_: a leader is writing a group
  db::WriteBatch combined_;       // used by the leader only (writing_ set)
};

}  // namespace strata::queue
