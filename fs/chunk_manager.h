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

class ChunkManager {
 public:
  virtual ~ChunkManager() = default;

  // `upload_id` may name an existing upload to extend/refresh it (resume); "" starts a new one.
  virtual Result<UploadTicket> beginUpload(std::string_view ws, std::string_view upload_id,
                                           const std::vector<Digest>& ids) = 0;
  virtual Status putChunk(std::string_view ws, const Digest& id, std::string_view data) = 0;
  virtual Status endUpload(std::string_view ws, std::string_view upload_id) = 0;

  virtual Result<std::string> read(std::string_view ws, const Digest& id, uint64_t offset,
                                   uint64_t length) = 0;

  // One pass of the collector. `now_unix` lets tests and `strata server gc` move time;
  // `ignore_pins` is for offline runs where no upload can be in flight.
  virtual Result<GcStats> collect(int64_t now_unix, bool ignore_pins) = 0;
  // Checks reference counts against chunk maps and that every referenced chunk exists.
  virtual Result<FsckReport> fsck() = 0;
};

}  // namespace strata::fs
