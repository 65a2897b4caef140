// ChunkWriter: streams one request body into the chunk layer, for putObject and uploadPart.
//
// The body is cut into 4 MiB chunks as it arrives; each chunk is hashed (its SHA-256 is its
// id), pinned under one ChunkManager upload, and stored unless the workspace already has it
// (dedup). The whole body is MD5-hashed on the way for the ETag. Two chunk buffers: the next
// chunk is read from the client while the previous one is hashed and stored on a helper
// thread (at most 8 MiB per put). The pins keep the chunks from the collector until the
// caller's transaction has added references; release() (or the destructor) then drops them.
// A writer killed midway leaves only pinned chunks without references, which the collector
// removes after the pins expire.
//
// Not thread-safe: one writer per request.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"
#include "fs/chunk_manager.h"
#include "object/md5.h"
#include "object/object_service.h"
#include "object/records.h"

namespace strata::object {

struct WrittenBody {
  std::vector<ChunkRec> chunks;
  uint64_t size = 0;
  Md5Digest md5{};
};

class ChunkWriter {
 public:
  ChunkWriter(fs::ChunkManager& chunks, std::string ws) : chunks_(chunks), ws_(std::move(ws)) {}
  ~ChunkWriter() { release(); }
  ChunkWriter(const ChunkWriter&) = delete;
  ChunkWriter& operator=(const ChunkWriter&) = delete;

  // Reads `body` to its end and stores it; checks max_size, expected_size and content_md5 of
  // `options` (before_commit is the caller's to run).
  Result<WrittenBody> write(const ByteSource& body, const PutOptions& options);
  // Drops the pins. Call after the references were committed (or the put failed).
  void release();

 private:
  Status storeChunk(std::string_view data, WrittenBody& out);

  fs::ChunkManager& chunks_;
  const std::string ws_;
  std::string upload_id_;  // the ChunkManager upload pinning our chunks ("" until the first)
};

}  // namespace strata::object
