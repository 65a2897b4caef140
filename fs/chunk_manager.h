// ChunkManager: the chunk layer shared by the file system (and later object storage):
// upload sessions that pin chunks, chunk uploads, reads, reference counts, the collector.
//
// Protocol (docs/formats.md "chunks and the collector"):
// 1. beginUpload(ws, ids) pins every id (pin record with an expiry) in one transaction and
//    returns the ids whose bytes the store lacks (or that the collector is deleting).
// 2. The client sends those with putChunk (hash verified).
// 3. A commit (FileSystem::commitFile / commitChunks) adds references and checks every chunk
//    exists; then endUpload drops the pins.
// The collector deletes a chunk only when it has no references, no live pin, and has been
// unreferenced for the grace period; it marks the chunk "deleting" in a transaction that
// conflicts with any concurrent pin, and putChunk waits while a chunk is being deleted, so an
// in-flight upload never loses a chunk it relies on.
//
// Thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "blob/store.h"
#include "common/status.h"
#include "db/engine.h"

namespace strata::fs {

struct UploadTicket {
  std::string upload_id;
  std::vector<Digest> missing;  // ids the client must send with putChunk
};

struct GcStats {
  uint64_t chunks_deleted = 0;
  uint64_t bytes_deleted = 0;
  uint64_t orphans_found = 0;  // blobs with no reference record (e.g. an upload killed mid-way)
};

struct FsckReport {
  uint64_t inodes = 0;
  uint64_t chunks_referenced = 0;
  std::vector<std::string> problems;  // empty when consistent
};

// One change of a chunk's reference count made by a service other than fs/ (object storage):
// `delta` references of `length` bytes (length only matters for increases: the stored chunk
// must hold at least that many bytes).
struct RefChange {
  Digest id;
  uint32_t length = 0;
  int64_t delta = 0;
};

// A holder of chunk references outside fs/ (object storage), so fsck counts its references
// too. forEachReference calls `visit` once per reference the holder keeps in workspace `ws`
// (a chunk referenced twice is visited twice). Must be thread-safe.
class ReferenceSource {
 public:
  virtual ~ReferenceSource() = default;
  virtual Status forEachReference(std::string_view ws,
                                  const std::function<void(const Digest&)>& visit) = 0;
};

class ChunkManager {
 public:
  virtual ~ChunkManager() = default;

  // `upload_id` may name an existing upload to extend/refresh it (resume); "" starts a new one.
  virtual Result<UploadTicket> beginUpload(std::string_view ws, std::string_view upload_id,
                                           const std::vector<Digest>& ids) = 0;
  // beginUpload whose pin transaction commits with `durability`. The plain form is kSync,
  // because a remote client may go on uploading across a server crash and relies on its pins.
  // kBuffered is for uploaders inside the server process (object puts): the pins then survive
  // kill -9 but not a machine crash, which ends the upload they protect anyway, and the
  // uploader's own synced commit later makes them durable with it (one log).
  virtual Result<UploadTicket> beginUpload(std::string_view ws, std::string_view upload_id,
                                           const std::vector<Digest>& ids,
                                           db::Durability durability) = 0;
  virtual Status putChunk(std::string_view ws, const Digest& id, std::string_view data) = 0;
  // putChunk with blob::ChunkPutOptions (blob/store.h): `id_verified` when the caller hashed
  // the bytes itself in this process (never for a client's claimed id); `defer_durability`
  // to share one durability barrier among many chunks, in which case the caller MUST call
  // syncChunksForCommit() after the puts and before its kSync commit that references them.
  virtual Status putChunk(std::string_view ws, const Digest& id, std::string_view data,
                          const blob::ChunkPutOptions& options) = 0;
  // The chunk store's barrier before a kSync commit of this ChunkManager's engine
  // (blob::Store::syncForEngineCommit): with that commit, every chunk put before this call
  // survives a machine crash. Concurrent callers share one round of directory fsyncs.
  virtual Status syncChunksForCommit() = 0;
  // Many chunks in one blob::Store::putBatch (one durability barrier for chunk files, one
  // engine batch for small chunks, blob/tiered_store.h); same protocol as
  // putChunk for each. All ids are verified before anything is stored.
  virtual Status putChunks(std::string_view ws, const std::vector<blob::ChunkWrite>& chunks) = 0;
  virtual Status endUpload(std::string_view ws, std::string_view upload_id) = 0;

  virtual Result<std::string> read(std::string_view ws, const Digest& id, uint64_t offset,
                                   uint64_t length) = 0;
  // read() as a blob::ChunkSlice: a range of the open chunk file where the store keeps one
  // (verified the same way), for callers that send it with sendfile(2).
  virtual Result<blob::ChunkSlice> readSlice(std::string_view ws, const Digest& id,
                                             uint64_t offset, uint64_t length) = 0;

  // One pass of the collector. `now_unix` lets tests and `strata server gc` move time;
  // `ignore_pins` is for offline runs where no upload can be in flight.
  virtual Result<GcStats> collect(int64_t now_unix, bool ignore_pins) = 0;
  // Checks reference counts against chunk maps and that every referenced chunk exists.
  virtual Result<FsckReport> fsck() = 0;

  // --- for services other than fs/ that keep chunk references (object storage) ---
  // Moves reference counts inside the caller's transaction, with the rules of a file commit
  // (docs/formats.md "Reference counts"): an increase needs the chunk in the store with at
  // least `length` bytes and not marked deleting (kInvalidArgument otherwise, and the caller
  // must not commit); a count reaching 0 queues the chunk for the collector.
  virtual Status changeReferences(db::Transaction& txn, std::string_view ws,
                                  const std::vector<RefChange>& changes) = 0;
  // Adds `ws` to the workspaces the collector and fsck walk (idempotent), inside `txn`.
  virtual Status registerWorkspace(db::Transaction& txn, std::string_view ws) = 0;
  // fsck() (and FileSystemService::fsck) also count the references of `source`. The source
  // must stay alive until removeReferenceSource. Thread-safe.
  virtual void addReferenceSource(ReferenceSource* source) = 0;
  virtual void removeReferenceSource(ReferenceSource* source) = 0;
};

}  // namespace strata::fs
