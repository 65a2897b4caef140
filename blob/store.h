// blob::Store: immutable chunk bytes by content id. Backends: a local directory (embedded
// default, local_store.h), the metadata engine itself (engine_store.h, for small chunks), and a
// size-routing combination of the two (tiered_store.h, what `strata server` uses); S3-compatible
// stores later. Nothing of a backend leaks here.
//
// A chunk lives in a namespace (the workspace id) under its id, the SHA-256 of its bytes; a
// chunk is at most kMaxChunkSize bytes. Promises every backend keeps (blob/store_conformance.h):
// - put() verifies the id against the bytes (kInvalidArgument on mismatch) unless the caller
//   vouches for it (ChunkPutOptions::id_verified), is idempotent, and is atomic: a reader
//   sees the whole chunk or none, also after a crash.
// - Durability of put() (and putBatch()): when it returns, the chunk survives kill -9 of the
//   process. It survives a machine crash (power loss, kernel panic) once sync() has returned
//   after it. Backends differ in what else makes it machine-crash durable:
//     LocalStore   at once by default: put() fsyncs the file and its directory (putBatch:
//                  syncfs). With ChunkPutOptions::defer_durability only sync() does: the put
//                  returns once the bytes are written (writeback started), a background
//                  thread fdatasyncs each chunk before its name appears, and sync() finishes
//                  those and fsyncs the directories the puts touched in one round that
//                  concurrent callers share (group commit).
//     EngineStore  the chunk is a buffered write to the metadata engine's log; any later synced
//                  write to the same db::Engine (a kSync commit, Engine::syncWal()) makes it
//                  durable too, because that log is one ordered file sequence and a sync
//                  covers everything written before it (docs/storage.md "Small-chunk tier").
//                  The engine's background sync also covers it within about a second.
//     TieredStore  as the tier the chunk went to.
//   So a caller that commits a reference to a chunk must, before it acknowledges that commit,
//   either commit with kSync on the same engine as an EngineStore, or call sync() (and then
//   sync its own commit). With defer_durability, sync() is the only way. The file-system and
//   object services satisfy this (docs/storage.md).
// - get() verifies the bytes against the id; a mismatch is kCorruption, never silent. A
//   backend may check a cheaper checksum that was made from bytes known to hash to the id
//   (LocalStore: a CRC-32C stamp, chunk_checksum.h), and may remember that a chunk's stored
//   bytes were verified and skip the check while they provably have not changed since
//   (LocalStore: same file identity, see local_store.h).
// - getRange() returns bytes [offset, offset+length) clipped to the chunk's end. It verifies
//   the hash only when it reads the whole chunk (a 4 KiB read must not cost a 4 MiB read).
// - Missing chunks are kNotFound.
// - Namespaces match [A-Za-z0-9_-]{1,64} (kInvalidArgument otherwise) in every backend.
// Thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/sha256.h"
#include "common/status.h"
#include "common/unique_fd.h"

namespace strata::blob {

using ChunkId = Digest;

constexpr uint64_t kMaxChunkSize = 4ull << 20;  // 4 MiB: the fixed chunk size of fs/

struct ChunkWrite {
  ChunkId id;
  std::string_view data;
};

struct ChunkInfo {
  ChunkId id;
  uint64_t size = 0;
  int64_t mtime_unix = 0;  // when the chunk was written (the collector's orphan sweep uses it)
};

// Bytes of a chunk as getSlice() hands them out: in memory, or as a range of an open chunk
// file, so a server can send them with sendfile(2) instead of copying them through its own
// memory twice. Either way they were checked as getRange() checks them.
struct ChunkSlice {
  std::string bytes;  // the bytes, when `file` is not open
  UniqueFd file;      // else the open chunk file, holding them at [offset, offset + length)
  uint64_t offset = 0;
  uint64_t length = 0;  // of the file range; bytes.size() for bytes
};

// What a caller can vouch for to make a put cheaper. The defaults are the plain put().
struct ChunkPutOptions {
  // The caller itself computed `id` as the SHA-256 of exactly these bytes, in this process
  // (e.g. the object service hashing a request body), so the store does not hash them a
  // second time. NEVER set it for an id that came from outside the process (a client's
  // claimed id): that one must be verified. Reads still check the stored bytes, but (in
  // LocalStore) against a checksum made from these bytes at put time (blob/chunk_checksum.h):
  // they catch damage to the stored chunk, not a wrong id vouched for here.
  bool id_verified = false;
  // The chunk need not survive a machine crash until the caller's next sync(): put() returns
  // once it survives kill -9, and a backend may then share one barrier among many puts.
  // The caller MUST call sync() after the put returned and before it acknowledges, or
  // durably commits, anything that relies on the chunk.
  bool defer_durability = false;
};

class Store {
 public:
  virtual ~Store() = default;

  Status put(std::string_view ns, const ChunkId& id, std::string_view data) {
    return put(ns, id, data, ChunkPutOptions{});
  }
  virtual Status put(std::string_view ns, const ChunkId& id, std::string_view data,
                     const ChunkPutOptions& options) = 0;
  // Stores several chunks behind one durability barrier, which is far cheaper than a put()
  // each when chunks are small (a file system syncs once instead of once per chunk). Every id
  // is verified first (unless options.id_verified): one mismatch stores nothing. Same
  // promises as put() for each chunk.
  Status putBatch(std::string_view ns, const std::vector<ChunkWrite>& chunks) {
    return putBatch(ns, chunks, ChunkPutOptions{});
  }
  virtual Status putBatch(std::string_view ns, const std::vector<ChunkWrite>& chunks,
                          const ChunkPutOptions& options);
  virtual Result<std::string> get(std::string_view ns, const ChunkId& id) = 0;
  virtual Result<std::string> getRange(std::string_view ns, const ChunkId& id, uint64_t offset,
                                       uint64_t length) = 0;
  // getRange() as a ChunkSlice, verified the same way (a whole chunk fully, before this
  // returns). A file range stays valid while the caller holds it, even if the chunk is removed
  // meanwhile (the open file keeps the bytes). Default: the bytes of getRange().
  virtual Result<ChunkSlice> getSlice(std::string_view ns, const ChunkId& id, uint64_t offset,
                                      uint64_t length);
  // Size and write time; kNotFound when absent.
  virtual Result<ChunkInfo> stat(std::string_view ns, const ChunkId& id) = 0;
  // Removing an absent chunk is not an error.
  virtual Status remove(std::string_view ns, const ChunkId& id) = 0;
  // Calls `visit` for every chunk of `ns` (any order) until it returns false.
  virtual Status list(std::string_view ns, const std::function<bool(const ChunkInfo&)>& visit) = 0;
  // Durability barrier: when it returns OK, every put()/putBatch() that returned before the
  // call survives a machine crash (deferred ones included), and so does every chunk that a
  // stat()/get() before the call reported present. Cheap when there is nothing to sync;
  // concurrent calls share one round where the backend can (LocalStore).
  virtual Status sync() = 0;
  // sync() for a caller that is about to commit with db::Durability::kSync on the engine of
  // the EngineStore involved (the object and file-system services): what that commit makes
  // durable anyway (EngineStore chunks, the same log) is skipped, so the commit's one log
  // sync is not preceded by a second one. When the commit returns, every put that returned
  // before this call survives a machine crash. Default: sync().
  virtual Status syncForEngineCommit() { return sync(); }
};

// Shared argument checks of the backends.
// kInvalidArgument unless `ns` matches [A-Za-z0-9_-]{1,64} (so it can name a directory and
// be a key component without escaping).
Status checkNamespace(std::string_view ns);
// checkNamespace, then kTooLarge over kMaxChunkSize, then kInvalidArgument when `id` is not
// the SHA-256 of `data` (that last check skipped when options.id_verified).
Status checkChunk(std::string_view ns, const ChunkId& id, std::string_view data,
                  const ChunkPutOptions& options = {});

}  // namespace strata::blob
