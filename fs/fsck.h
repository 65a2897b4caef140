// The consistency check of every file system and the chunk layer on one engine + store.
//
// Checks, per file system: every directory entry names an existing inode of the same type
// and its directory exists; a directory's parent pointer matches the entry that names it;
// nlink equals the number of names (files, symlinks) or 2 + subdirectories (directories);
// a directory's size equals its entry count; no inode is unreachable; chunk refs and xattrs
// belong to existing inodes and chunk refs lie within the file size; the usage counters
// equal what the namespace holds; the inode counter is above every inode id. Per workspace:
// each reference count equals the number of chunk-map references, every referenced chunk
// exists in the store, and no referenced chunk sits in the collector queue.
//
// Reads without a transaction: run it on a quiet system (`strata server fsck`), or expect
// transient reports while writers are active. Memory grows with the number of inodes.
#pragma once

#include <vector>

#include "blob/store.h"
#include "common/status.h"
#include "db/engine.h"
#include "fs/chunk_manager.h"

namespace strata::fs {

// `sources` hold chunk references outside fs/ (object storage); they count like chunk maps.
Result<FsckReport> checkConsistency(db::Engine& engine, blob::Store& store,
                                    const std::vector<ReferenceSource*>& sources = {});

}  // namespace strata::fs
