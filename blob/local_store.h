// The local-directory backend of blob::Store: the embedded default of `strata server --data DIR`.
//
// On-disk layout (see docs/storage.md):
//   DIR/.lock                          flock()ed while a store is open
//   DIR/<ns>/<hex[0:2]>/<hex>          one file per chunk, named by its lowercase SHA-256 hex
//   DIR/<ns>/<xx>/.<hex>.<random>.tmp  a put in progress, a deferred put not yet published,
//                                      or what a crash left of either
// One fan-out level of 256 leaves: ~4,000 chunks per leaf per million chunks (16 TiB of 4 MiB
// chunks) is well within what ext4/xfs hashed directories handle, while the earlier 256 x 256
// levels made nearly every small chunk of a fresh store pay for a directory creation (an inode
// allocation plus a mkdir), which dominated small-file uploads. Opening a store moves chunks of
// that earlier two-level layout (<xx>/<yy>/<hex>) into place.
//
// put() writes a temp file in the chunk's directory, fdatasyncs it, renames it over the final
// name and fsyncs the directories it changed, so a chunk is either absent or whole, also after
// a power loss. A put with ChunkPutOptions::defer_durability does not wait for the disk: it
// writes the temp file, starts its writeback and returns; a background thread fdatasyncs and
// renames such chunks as the disk catches up (unpublished_chunks.h), and sync() finishes
// whatever is left. Until then the chunk is read (and stat()ed) from its temp file. Reopening
// after a crash keeps every temp file whose bytes hash to its name (a deferred put that
// returned survives kill -9). The directory fsyncs go through a DirSyncGroup
// (dir_sync_group.h): one fsync per changed directory for every put before a sync(), shared
// by concurrent callers.
// A chunk already present with the right size is not rewritten. Each chunk file carries a
// CRC-32C stamp of its id and bytes in an extended attribute, written at put
// (chunk_checksum.h). get() verifies the bytes against the stamp, or (no stamp, or one that
// does not match) hashes them and stamps a file that hashes right; neither when this process
// verified the same unchanged file recently (verified_chunks.h). getRange() uses pread and
// reads only the requested bytes; a range starting at or past the end of the chunk is empty.
// getSlice() verifies a whole chunk the same way (reading it through a small buffer) and
// hands out the open file, which the S3 GET sends with sendfile(2).
//
// Namespaces must match [A-Za-z0-9_-]{1,64} (anything else is kInvalidArgument), so a namespace
// can never name a path outside DIR.
//
// Thread-safe; operations on different chunks run in parallel. Only one LocalStore may have a
// directory open at a time (kBusy otherwise), because opening sorts out the temp files that
// a crash left behind.
#pragma once

#include <memory>
#include <string>

#include "blob/store.h"

namespace strata::blob {

// Opens (creating if missing) the store rooted at `dir` and removes leftover temp files.
Result<std::unique_ptr<Store>> openLocalStore(const std::string& dir);

}  // namespace strata::blob
