// ChunkManagerImpl::collect: one pass of the chunk collector over every workspace.
//
// Order per workspace: expire uploads (drops their pins), sweep orphan blobs into the queue,
// then drain the queue. A queued chunk is deleted in three steps:
//   1. one transaction re-reads its queue entry, reference count and pin with get() and, if
//      it is still unreferenced, unpinned and past the grace period, marks it "deleting";
//   2. the blob is removed from the store;
//   3. one transaction drops the mark.
// A commit that wants the chunk reads the count and queue entry with get(), and beginUpload
// reads the pin and queue entry, so each either goes before step 1 (step 1 then conflicts
// and sees the new reference or pin) or after it (and sees "deleting": the chunk is reported
// missing and putChunk waits for step 3 before writing it again).
#include <vector>

#include "common/clock.h"
#include "fs/chunk_manager_impl.h"
#include "fs/records.h"
#include "fs/scan.h"

namespace strata::fs {
namespace {

constexpr size_t kOrphanScanLimit = 1'000'000;  // blobs examined per workspace and pass

}  // namespace

Result<GcStats> ChunkManagerImpl::collect(int64_t now_unix, bool ignore_pins) {
  GcStats stats;
  std::vector<std::string> workspaces;
  const std::string reg = WorkspaceKeys::registryPrefix();
  RETURN_IF_ERROR(scanPrefix(engine_, reg, [&](const db::KeyValue& kv) -> Result<bool> {
    workspaces.push_back(kv.key.substr(reg.size()));
    return true;
  }));
  for (const auto& ws : workspaces) {
    const WorkspaceKeys keys(ws);
    RETURN_IF_ERROR(expireUploads(keys, now_unix));
    RETURN_IF_ERROR(sweepOrphans(keys, now_unix, ignore_pins, stats));
    RETURN_IF_ERROR(drainQueue(keys, now_unix, ignore_pins, stats));
  }
  return stats;
}

Status ChunkManagerImpl::expireUploads(const WorkspaceKeys& keys, int64_t now_unix) {
  std::vector<std::string> expired;
  const std::string prefix = keys.uploadHeaderPrefix();
  RETURN_IF_ERROR(scanPrefix(engine_, prefix, [&](const db::KeyValue& kv) -> Result<bool> {
    ASSIGN_OR_RETURN(UploadRec u, decodeUpload(kv.value));
    if (u.expiry_unix <= now_unix) expired.push_back(kv.key.substr(prefix.size()));
    return true;
  }));
  for (const auto& id : expired) RETURN_IF_ERROR(dropUpload(keys, id, now_unix));
  return Status::OK();
}

Status ChunkManagerImpl::sweepOrphans(const WorkspaceKeys& keys, int64_t now_unix,
                                      bool ignore_pins, GcStats& stats) {
  std::vector<blob::ChunkInfo> blobs;
  RETURN_IF_ERROR(store_.list(keys.ws(), [&](const blob::ChunkInfo& info) {
    blobs.push_back(info);
    return blobs.size() < kOrphanScanLimit;
  }));
  for (const auto& info : blobs) {
    // Cheap first look without a transaction; most blobs are referenced.
    ASSIGN_OR_RETURN(auto rc, engine_.get(keys.refcount(info.id)));
    if (rc) continue;
    ASSIGN_OR_RETURN(auto gc, engine_.get(keys.gcEntry(info.id)));
    if (gc) continue;
    bool queued = false;
    RETURN_IF_ERROR(engine_.run([&](db::Transaction& txn) -> Status {
      queued = false;
      ASSIGN_OR_RETURN(auto rc_val, txn.get(keys.refcount(info.id)));
      ASSIGN_OR_RETURN(auto gc_val, txn.get(keys.gcEntry(info.id)));
      if (rc_val || gc_val) return Status::OK();
      ASSIGN_OR_RETURN(auto pin_val, txn.get(keys.pin(info.id)));
      if (pin_val && !ignore_pins) {
        ASSIGN_OR_RETURN(PinRec pin, decodePin(*pin_val));
        if (pin.liveAt(now_unix)) return Status::OK();  // an upload in flight owns it
      }
      GcRec rec;
      // Offline (no upload can be in flight) an old orphan is due at once; otherwise the
      // grace period starts now.
      const bool old = info.mtime_unix + options_.gc_grace_seconds <= now_unix;
      rec.queued_unix = ignore_pins && old ? info.mtime_unix : now_unix;
      queued = true;
      return txn.put(keys.gcEntry(info.id), encodeGc(rec));
    }));
    if (queued) ++stats.orphans_found;
  }
  return Status::OK();
}

Status ChunkManagerImpl::drainQueue(const WorkspaceKeys& keys, int64_t now_unix, bool ignore_pins,
                                    GcStats& stats) {
  struct Item {
    Digest id;
    GcRec rec;
  };
  std::vector<Item> due;
  const std::string prefix = keys.gcPrefix();
  RETURN_IF_ERROR(scanPrefix(engine_, prefix, [&](const db::KeyValue& kv) -> Result<bool> {
    ASSIGN_OR_RETURN(GcRec rec, decodeGc(kv.value));
    const bool ready = rec.deleting
                           ? rec.marked_unix + kStaleDeletingSeconds <= now_unix || ignore_pins
                           : rec.queued_unix + options_.gc_grace_seconds <= now_unix;
    if (ready) due.push_back(Item{WorkspaceKeys::idAfter(kv.key, prefix.size()), rec});
    return due.size() < 100000;  // the rest waits for the next pass
  }));

  for (const auto& item : due) {
    if (!item.rec.deleting) {
      bool marked = false;
      RETURN_IF_ERROR(engine_.run([&](db::Transaction& txn) -> Status {
        marked = false;
        const std::string gc_key = keys.gcEntry(item.id);
        ASSIGN_OR_RETURN(auto gc_val, txn.get(gc_key));
        if (!gc_val) return Status::OK();  // referenced again meanwhile
        ASSIGN_OR_RETURN(GcRec gc, decodeGc(*gc_val));
        if (gc.deleting || gc.queued_unix + options_.gc_grace_seconds > now_unix) {
          return Status::OK();
        }
        ASSIGN_OR_RETURN(auto rc_val, txn.get(keys.refcount(item.id)));
        if (rc_val) return txn.del(gc_key);  // stale entry: the chunk is referenced
        const std::string pin_key = keys.pin(item.id);
        ASSIGN_OR_RETURN(auto pin_val, txn.get(pin_key));
        if (pin_val) {
          ASSIGN_OR_RETURN(PinRec pin, decodePin(*pin_val));
          if (!ignore_pins && pin.liveAt(now_unix)) return Status::OK();
          RETURN_IF_ERROR(txn.del(pin_key));
        }
        gc.deleting = true;
        gc.marked_unix = now_unix;
        marked = true;
        return txn.put(gc_key, encodeGc(gc));
      }));
      if (!marked) continue;
    }
    RETURN_IF_ERROR(finishDelete(keys, item.id, stats));
  }
  return Status::OK();
}

Status ChunkManagerImpl::finishDelete(const WorkspaceKeys& keys, const Digest& id, GcStats& stats) {
  auto info = store_.stat(keys.ws(), id);
  if (!info.ok() && info.status().code() != Code::kNotFound) return info.status();
  RETURN_IF_ERROR(store_.remove(keys.ws(), id));
  if (info.ok()) {
    ++stats.chunks_deleted;
    stats.bytes_deleted += info->size;
  }
  return engine_.run([&](db::Transaction& txn) -> Status {
    const std::string gc_key = keys.gcEntry(id);
    ASSIGN_OR_RETURN(auto gc_val, txn.get(gc_key));
    if (!gc_val) return Status::OK();
    ASSIGN_OR_RETURN(GcRec gc, decodeGc(*gc_val));
    return gc.deleting ? txn.del(gc_key) : Status::OK();
  });
}

}  // namespace strata::fs
