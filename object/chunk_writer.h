// ChunkWriter: streams one request body into the chunk layer, for putObject and uploadPart.
//
// The body is cut into 4 MiB chunks as it arrives; each chunk is hashed (its SHA-256 is its
// id), pinned under one ChunkManager upload, and stored unless the workspace already has it
// (dedup). The whole body is MD5-hashed for the ETag. The three jobs run as a pipeline over
// the machine's cores instead of one after the other:
//   request thread   receives chunk N+k into a pool buffer (BufferPool, no copy after that)
//   MD5 task         hashes the chunks strictly in order (MD5 is one running state)
//   store tasks      SHA-256 + pin + store of chunks N, N+1, ... in parallel (their fsyncs
//                    overlap instead of adding up)
// A chunk's buffer goes back to the pool once both its MD5 and its store are done. At most
// kMaxChunksInFlight buffers per put, fewer when the pool's budget is short (one at least:
// then the stages simply run one after the other).
//
// The pins keep the chunks from the collector until the caller's transaction has added
// references; release() then drops them (the service does it off the request path). A writer
// killed midway leaves only pinned chunks without references, which the collector removes
// after the pins expire.
//
// Not thread-safe: one writer per request.
#pragma once

#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"
#include "fs/chunk_manager.h"
#include "object/buffer_pool.h"
#include "object/md5.h"
#include "object/object_service.h"
#include "object/records.h"

namespace strata::object {

// Chunks of one put being received, hashed or stored at once (each a pool buffer).
constexpr int kMaxChunksInFlight = 4;

struct WrittenBody {
  std::vector<ChunkRec> chunks;
  uint64_t size = 0;
  Md5Digest md5{};
};

class ChunkWriter {
 public:
  ChunkWriter(fs::ChunkManager& chunks, BufferPool& pool, std::string ws);
  ~ChunkWriter() { release(); }
  ChunkWriter(const ChunkWriter&) = delete;
  ChunkWriter& operator=(const ChunkWriter&) = delete;

  // Reads `body` to its end and stores it; checks max_size, expected_size and content_md5 of
  // `options` (before_commit is the caller's to run). Every task has finished when it returns.
  // The chunks are stored with deferred durability and one barrier at the end
  // (fs::ChunkManager::syncChunksForCommit): on OK, the caller's kSync commit on the same
  // engine makes them and its references durable together.
  Result<WrittenBody> write(const ByteSource& body, const PutOptions& options);
  // The ChunkManager upload that pins the chunks ("" before write() stored any).
  const std::string& uploadId() const { return upload_id_; }
  // Drops the pins now. Call after the references were committed (or the put failed);
  // takeUploadId() instead hands that job to the caller.
  void release();
  std::string takeUploadId() { return std::exchange(upload_id_, std::string()); }

 private:
  fs::ChunkManager& chunks_;
  BufferPool& pool_;
  const std::string ws_;
  std::string upload_id_;  // set once the first chunk is pinned
  std::mutex pin_mu_;      // serializes this put's pin transactions (see chunk_writer.cc)
};

}  // namespace strata::object
