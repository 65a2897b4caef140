// CRC-32C (Castagnoli, the iSCSI/ext4 polynomial), with the SSE4.2 crc32 instruction where the
// CPU has it and a table otherwise. Used as the cheap per-read check of chunk files
// (blob/chunk_checksum.h): about ten times faster than re-hashing a chunk with SHA-256.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace strata {

// Extends `crc` (0 to start) over `size` bytes; crc32c(crc32c(0, a), b) == crc32c(0, a + b).
uint32_t crc32c(uint32_t crc, const void* data, size_t size);
inline uint32_t crc32c(uint32_t crc, std::string_view data) {
  return crc32c(crc, data.data(), data.size());
}

}  // namespace strata
