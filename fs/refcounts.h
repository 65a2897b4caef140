// Reference-count changes of one transaction, applied at its end (docs/formats.md, "chunks
// and the collector").
//
// A transaction that changes chunk maps collects the net change per chunk id here and calls
// apply() once, so a chunk that is dropped from one index and added at another costs nothing.
// apply():
// - for every chunk with a net increase, checks that the store holds it (at least as many
//   bytes as the longest new reference) and that the collector is not deleting it; otherwise
//   kInvalidArgument naming the chunk, and the caller's transaction must not commit;
// - moves the counts; a chunk whose count reaches 0 loses its count record and is queued for
//   the collector with the current time; a chunk referenced again leaves the queue.
// The count and queue keys are read with get(), so a commit and the collector's "deleting"
// mark of the same chunk conflict and serialise. Not thread-safe (one per transaction).
#pragma once

#include <cstdint>
#include <map>

#include "blob/store.h"
#include "common/sha256.h"
#include "common/status.h"
#include "db/engine.h"
#include "fs/keys.h"

namespace strata::fs {

class RefDeltas {
 public:
  void add(const Digest& id, uint32_t length) {
    auto& d = deltas_[id];
    ++d.count;
    if (length > d.max_length) d.max_length = length;
  }
  void remove(const Digest& id) { --deltas_[id].count; }
  bool empty() const { return deltas_.empty(); }

  Status apply(db::Transaction& txn, blob::Store& store, const WorkspaceKeys& keys,
               int64_t now_unix) const;

 private:
  struct Delta {
    int64_t count = 0;
    uint32_t max_length = 0;  // longest reference added (checked against the blob's size)
  };
  std::map<Digest, Delta> deltas_;
};

}  // namespace strata::fs
