// ChunkManagerImpl: upload sessions (pins), chunk uploads and reads.
#include "fs/chunk_manager_impl.h"

#include <algorithm>
#include <chrono>
#include <set>
#include <thread>

#include "common/clock.h"
#include "common/random.h"
#include "common/sha256.h"
#include "fs/fsck.h"
#include "fs/records.h"
#include "fs/refcounts.h"

namespace strata::fs {
namespace {

constexpr size_t kMaxIdsPerCall = 100000;
constexpr size_t kEndUploadBatch = 256;
constexpr int64_t kPutWaitNanos = 60'000'000'000;  // how long putChunk waits for the collector

Status validateUploadId(std::string_view id) {
  bool ok = !id.empty() && id.size() <= 64;
  for (char c : id) {
    ok = ok && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                c == '-' || c == '_');
  }
  if (!ok) return invalidArgument("bad upload id '", id, "': use 1-64 of [A-Za-z0-9_-]");
  return Status::OK();
}

// Sets `upload_id`'s pin to `expiry`, dropping entries that expired by `now`.
void addPin(PinRec& pin, std::string_view upload_id, int64_t expiry, int64_t now) {
  std::erase_if(pin.entries, [&](const PinEntry& e) { return e.expiry_unix <= now; });
  for (auto& e : pin.entries) {
    if (e.upload_id == upload_id) {
      e.expiry_unix = std::max(e.expiry_unix, expiry);
      return;
    }
  }
  if (pin.entries.size() + 1 < kMaxPinEntries) {
    pin.entries.push_back(PinEntry{std::string(upload_id), expiry});
    return;
  }
  // Too many uploads pin this chunk at once: the rest share an anonymous entry that only
  // expires (endUpload cannot drop it early, which is merely conservative).
  for (auto& e : pin.entries) {
    if (e.upload_id.empty()) {
      e.expiry_unix = std::max(e.expiry_unix, expiry);
      return;
    }
  }
  pin.entries.push_back(PinEntry{"", expiry});
}

Result<bool> markedDeleting(db::Engine& engine, const WorkspaceKeys& keys, const Digest& id) {
  ASSIGN_OR_RETURN(auto val, engine.get(keys.gcEntry(id)));
  if (!val) return false;
  ASSIGN_OR_RETURN(GcRec gc, decodeGc(*val));
  return gc.deleting;
}

}  // namespace

Result<UploadTicket> ChunkManagerImpl::beginUpload(std::string_view ws, std::string_view upload_id,
                                                   const std::vector<Digest>& ids,
                                                   db::Durability durability) {
  RETURN_IF_ERROR(validateSpaceName("workspace", ws));
  if (ids.size() > kMaxIdsPerCall) {
    return invalidArgument("too many chunk ids in one call (at most ",
                           std::to_string(kMaxIdsPerCall), ")");
  }
  UploadTicket ticket;
  ticket.upload_id = upload_id.empty() ? "u-" + randomHex(16) : std::string(upload_id);
  RETURN_IF_ERROR(validateUploadId(ticket.upload_id));
  const WorkspaceKeys keys(ws);
  std::vector<Digest> unique;
  std::set<Digest> seen;
  for (const auto& id : ids) {
    if (seen.insert(id).second) unique.push_back(id);
  }
  const int64_t now = nowUnix();
  const int64_t expiry = now + options_.upload_pin_seconds;

  RETURN_IF_ERROR(engine_.run([&](db::Transaction& txn) -> Status {
    ticket.missing.clear();
    const std::string header_key = keys.uploadHeader(ticket.upload_id);
    ASSIGN_OR_RETURN(auto header_val, txn.get(header_key));
    UploadRec header{now, expiry};
    if (header_val) {
      ASSIGN_OR_RETURN(UploadRec old, decodeUpload(*header_val));
      header.created_unix = old.created_unix;
      header.expiry_unix = std::max(old.expiry_unix, expiry);
    }
    RETURN_IF_ERROR(txn.put(header_key, encodeUpload(header)));
    for (const auto& id : unique) {
      // The pin and the queue entry are read with get(): the collector's "deleting" mark
      // reads the pin and writes the queue entry, so exactly one of us goes first.
      const std::string pin_key = keys.pin(id);
      ASSIGN_OR_RETURN(auto pin_val, txn.get(pin_key));
      PinRec pin;
      if (pin_val) {
        ASSIGN_OR_RETURN(pin, decodePin(*pin_val));
      }
      addPin(pin, ticket.upload_id, expiry, now);
      RETURN_IF_ERROR(txn.put(pin_key, encodePin(pin)));
      RETURN_IF_ERROR(txn.put(keys.uploadMember(ticket.upload_id, id), ""));

      ASSIGN_OR_RETURN(auto gc_val, txn.get(keys.gcEntry(id)));
      if (gc_val) {
        ASSIGN_OR_RETURN(GcRec gc, decodeGc(*gc_val));
        if (gc.deleting) {
          ticket.missing.push_back(id);  // its blob is going away: send it again
          continue;
        }
      }
      auto info = store_.stat(ws, id);
      if (!info.ok()) {
        if (info.status().code() != Code::kNotFound) return info.status();
        ticket.missing.push_back(id);
      }
    }
    return Status::OK();
  }, db::RunOptions{.durability = durability}));
  return ticket;
}

Status ChunkManagerImpl::putChunk(std::string_view ws, const Digest& id, std::string_view data,
                                  const blob::ChunkPutOptions& options) {
  RETURN_IF_ERROR(validateSpaceName("workspace", ws));
  if (data.size() > blob::kMaxChunkSize) {
    return Status(Code::kTooLarge, "chunk of " + std::to_string(data.size()) + " bytes is over 4 MiB");
  }
  const WorkspaceKeys keys(ws);
  const int64_t deadline = monotonicNanos() + kPutWaitNanos;
  for (;;) {
    // While the collector deletes this chunk, a write could be undone by its remove():
    // wait until the mark is gone, write, and check again that no new mark appeared.
    for (;;) {
      ASSIGN_OR_RETURN(bool deleting, markedDeleting(engine_, keys, id));
      if (!deleting) break;
      if (monotonicNanos() > deadline) {
        return busy("chunk ", id.hex(), " is being deleted by the collector; try again");
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    RETURN_IF_ERROR(store_.put(ws, id, data, options));
    ASSIGN_OR_RETURN(bool deleting, markedDeleting(engine_, keys, id));
    if (!deleting) return Status::OK();
  }
}

Status ChunkManagerImpl::putChunks(std::string_view ws, const std::vector<blob::ChunkWrite>& chunks) {
  RETURN_IF_ERROR(validateSpaceName("workspace", ws));
  const WorkspaceKeys keys(ws);
  // Chunks the collector is deleting go through putChunk, which waits for it; the rest are
  // written as one batch and checked again afterwards, as putChunk does for one.
  std::vector<blob::ChunkWrite> batch;
  std::vector<const blob::ChunkWrite*> slow;
  for (const auto& c : chunks) {
    ASSIGN_OR_RETURN(bool deleting, markedDeleting(engine_, keys, c.id));
    if (deleting) {
      // Verified now, so that a bad chunk among these stores nothing of the batch either
      // (putBatch verifies the rest before writing any).
      if (Sha256::of(c.data) != c.id) {
        return invalidArgument("chunk id ", c.id.hex(), " does not match its bytes; nothing stored");
      }
      slow.push_back(&c);
    } else {
      batch.push_back(c);
    }
  }
  RETURN_IF_ERROR(store_.putBatch(ws, batch));
  for (const auto& c : batch) {
    ASSIGN_OR_RETURN(bool deleting, markedDeleting(engine_, keys, c.id));
    if (deleting) slow.push_back(&c);
  }
  for (const auto* c : slow) RETURN_IF_ERROR(putChunk(ws, c->id, c->data));
  return Status::OK();
}

Status ChunkManagerImpl::endUpload(std::string_view ws, std::string_view upload_id) {
  RETURN_IF_ERROR(validateSpaceName("workspace", ws));
  RETURN_IF_ERROR(validateUploadId(upload_id));
  return dropUpload(WorkspaceKeys(ws), upload_id, nowUnix());
}

Status ChunkManagerImpl::dropUpload(const WorkspaceKeys& keys, std::string_view upload_id,
                                    int64_t now_unix) {
  const std::string prefix = keys.uploadMemberPrefix(upload_id);
  for (;;) {
    db::ScanOptions opts;
    opts.limit = kEndUploadBatch;
    ASSIGN_OR_RETURN(auto members, engine_.scan(prefix, db::prefixEnd(prefix), opts));
    if (members.empty()) break;
    RETURN_IF_ERROR(engine_.run([&](db::Transaction& txn) -> Status {
      for (const auto& kv : members) {
        const Digest id = WorkspaceKeys::idAfter(kv.key, prefix.size());
        const std::string pin_key = keys.pin(id);
        ASSIGN_OR_RETURN(auto pin_val, txn.get(pin_key));
        if (pin_val) {
          ASSIGN_OR_RETURN(PinRec pin, decodePin(*pin_val));
          std::erase_if(pin.entries, [&](const PinEntry& e) {
            return e.upload_id == upload_id || e.expiry_unix <= now_unix;
          });
          RETURN_IF_ERROR(pin.entries.empty() ? txn.del(pin_key)
                                              : txn.put(pin_key, encodePin(pin)));
        }
        RETURN_IF_ERROR(txn.del(kv.key));
      }
      return Status::OK();
    }));
  }
  return engine_.run([&](db::Transaction& txn) { return txn.del(keys.uploadHeader(upload_id)); });
}

Result<std::string> ChunkManagerImpl::read(std::string_view ws, const Digest& id, uint64_t offset,
                                           uint64_t length) {
  RETURN_IF_ERROR(validateSpaceName("workspace", ws));
  return store_.getRange(ws, id, offset, length);
}

Result<blob::ChunkSlice> ChunkManagerImpl::readSlice(std::string_view ws, const Digest& id,
                                                    uint64_t offset, uint64_t length) {
  RETURN_IF_ERROR(validateSpaceName("workspace", ws));
  return store_.getSlice(ws, id, offset, length);
}

Result<FsckReport> ChunkManagerImpl::fsck() {
  std::vector<ReferenceSource*> sources;
  {
    std::lock_guard lock(sources_mu_);
    sources = sources_;
  }
  return checkConsistency(engine_, store_, sources);
}

Status ChunkManagerImpl::changeReferences(db::Transaction& txn, std::string_view ws,
                                          const std::vector<RefChange>& changes) {
  RETURN_IF_ERROR(validateSpaceName("workspace", ws));
  RefDeltas deltas;
  for (const auto& c : changes) {
    for (int64_t i = 0; i < c.delta; ++i) deltas.add(c.id, c.length);
    for (int64_t i = 0; i > c.delta; --i) deltas.remove(c.id);
  }
  return deltas.apply(txn, store_, WorkspaceKeys(ws), nowUnix());
}

Status ChunkManagerImpl::registerWorkspace(db::Transaction& txn, std::string_view ws) {
  RETURN_IF_ERROR(validateSpaceName("workspace", ws));
  const WorkspaceKeys keys(ws);
  ASSIGN_OR_RETURN(auto existing, txn.get(keys.registry()));
  if (existing) return Status::OK();
  return txn.put(keys.registry(), encodeCounter(0));
}

void ChunkManagerImpl::addReferenceSource(ReferenceSource* source) {
  std::lock_guard lock(sources_mu_);
  sources_.push_back(source);
}

void ChunkManagerImpl::removeReferenceSource(ReferenceSource* source) {
  std::lock_guard lock(sources_mu_);
  std::erase(sources_, source);
}

}  // namespace strata::fs
