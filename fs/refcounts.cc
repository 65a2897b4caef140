#include "fs/refcounts.h"

#include <string>

#include "fs/records.h"

namespace strata::fs {

Status RefDeltas::apply(db::Transaction& txn, blob::Store& store, const WorkspaceKeys& keys,
                        int64_t now_unix) const {
  for (const auto& [id, d] : deltas_) {
    if (d.count == 0) continue;
    const std::string rc_key = keys.refcount(id);
    ASSIGN_OR_RETURN(auto rc_val, txn.get(rc_key));
    uint64_t old_count = 0;
    if (rc_val) {
      ASSIGN_OR_RETURN(old_count, decodeCounter("reference count", *rc_val));
    }
    if (d.count > 0) {
      // The chunk must be there before anything may point at it.
      auto info = store.stat(keys.ws(), id);
      if (!info.ok()) {
        if (info.status().code() == Code::kNotFound) {
          return invalidArgument("chunk ", id.hex(), " is missing: upload it first");
        }
        return info.status();
      }
      if (info->size < d.max_length) {
        return invalidArgument("chunk ", id.hex(), " has ", std::to_string(info->size),
                               " bytes, fewer than the referenced length ",
                               std::to_string(d.max_length));
      }
      if (old_count == 0) {
        const std::string gc_key = keys.gcEntry(id);
        ASSIGN_OR_RETURN(auto gc_val, txn.get(gc_key));
        if (gc_val) {
          ASSIGN_OR_RETURN(GcRec gc, decodeGc(*gc_val));
          if (gc.deleting) {
            return invalidArgument("chunk ", id.hex(),
                                   " is being deleted by the collector: upload it again");
          }
          RETURN_IF_ERROR(txn.del(gc_key));
        }
      }
    }
    int64_t new_count = static_cast<int64_t>(old_count) + d.count;
    if (new_count < 0) {
      return corruption("reference count of chunk ", id.hex(), " would drop below zero");
    }
    if (new_count == 0) {
      RETURN_IF_ERROR(txn.del(rc_key));
      GcRec gc;
      gc.queued_unix = now_unix;
      RETURN_IF_ERROR(txn.put(keys.gcEntry(id), encodeGc(gc)));
    } else {
      RETURN_IF_ERROR(txn.put(rc_key, encodeCounter(static_cast<uint64_t>(new_count))));
    }
  }
  return Status::OK();
}

}  // namespace strata::fs
