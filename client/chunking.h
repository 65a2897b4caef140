// Fixed-size content-addressed chunking of local files: chunk i covers bytes
// [i*4MiB, (i+1)*4MiB) and its id is the SHA-256 of its bytes (ARCHITECTURE.md "File system").
// Reads go through one caller-provided buffer of at most one chunk, so a file of any size is
// hashed in bounded memory. Pure functions over file descriptors; thread-safe for distinct buffers.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "fs/types.h"

namespace strata::client {

inline uint64_t chunkCount(uint64_t size) { return (size + fs::kChunkSize - 1) / fs::kChunkSize; }

// Length of chunk `index` of a file of `size` bytes. REQUIRES: index < chunkCount(size).
inline uint32_t chunkLength(uint64_t size, uint64_t index) {
  const uint64_t start = index * fs::kChunkSize;
  return static_cast<uint32_t>(size - start < fs::kChunkSize ? size - start : fs::kChunkSize);
}

// Reads exactly `length` bytes at `offset` of `fd` into `buffer` (resized). A short read (the
// file shrank) is kIOError naming `path_for_errors`.
Status readExact(int fd, uint64_t offset, uint32_t length, std::string& buffer, const std::string& path_for_errors);

// Hashes the first `size` bytes of `fd` into chunk refs, reading one chunk at a time into
// `buffer`. Fails if the file is shorter than `size`.
Result<std::vector<fs::ChunkRef>> hashChunks(int fd, uint64_t size, std::string& buffer,
                                             const std::string& path_for_errors);

// Writes all of `data` at `offset` (pwrite loop).
Status writeExact(int fd, uint64_t offset, std::string_view data, const std::string& path_for_errors);

}  // namespace strata::client
