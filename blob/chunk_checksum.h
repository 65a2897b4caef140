// The checksum stamp of a chunk file: CRC-32C of the chunk id followed by the chunk's bytes,
// kept in the file's extended attribute "user.strata.crc32c" (4 bytes, little-endian).
//
// Why: re-hashing a 4 MiB chunk with SHA-256 on every read cost about half of a GET's CPU;
// CRC-32C with the SSE4.2 instruction costs a tenth of that and still catches what the read
// check is for: damage to the stored bytes (bit rot, a torn or truncated file, a stray write).
// Seeding the CRC with the id binds the stamp to the chunk's name, so a chunk file renamed or
// copied with its attributes over another chunk's name does not pass as that chunk.
//
// A stamp is only ever written from bytes known to hash to the id (a put of verified bytes,
// or a read that hashed the file), so a file whose bytes match its stamp holds the chunk. A
// file without a stamp (written before stamps existed, or on a file system without user
// extended attributes) is verified with SHA-256 as before and stamped then; a file whose bytes
// do not match its stamp is hashed before it is called damaged, so a wrong stamp can cost a
// hash but never fail a good chunk (docs/storage.md "Reading").
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "blob/store.h"

namespace strata::blob {

// CRC-32C of the id's 32 raw bytes, then of `data`. Feed more bytes with extendChecksum.
uint32_t chunkChecksum(const ChunkId& id, std::string_view data);
uint32_t extendChecksum(uint32_t sum, std::string_view data);

// Best effort: a file system without user extended attributes (or a full one) just leaves the
// chunk unstamped, which costs reads a SHA-256 hash and nothing else.
void writeChecksumStamp(int fd, uint32_t sum);
// The stamp of an open chunk file; nullopt when it has none (or an unreadable one).
std::optional<uint32_t> readChecksumStamp(int fd);

}  // namespace strata::blob
