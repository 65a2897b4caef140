// TieredStore: one blob::Store over two, chosen by chunk size. Chunks of at most
// `small_chunk_max` bytes go to the small tier (an EngineStore: the metadata engine, no file
// and no fsync per chunk), bigger ones to the large tier (a LocalStore: one file per chunk).
// This is what `strata server` uses (server/storage.cc); `--small-chunk-max 0` sends every
// new chunk to the large tier.
//
// - A chunk is kept in at most one tier: put() first looks in the other tier (a point lookup
//   or a stat(2)) and stores nothing when the chunk is there. So a data directory written
//   with another threshold (or before the small tier existed: all chunks in files) keeps
//   working, and list() can report each tier's chunks without de-duplicating.
// - get/getRange/stat try the small tier first (a Bloom-filtered point lookup that costs
//   little when it misses), then the large tier. remove() removes from both. list() lists the
//   small tier, then the large one.
// - putBatch() splits the batch by tier. A batch that spans both tiers is verified as a whole
//   first, so one bad id still stores nothing; a one-tier batch is verified by that tier.
// - Durability is that of the tier a chunk went to (blob/store.h); sync() syncs both tiers.
//   ChunkPutOptions pass through to the tier; a non-deferred put that finds the chunk in the
//   other tier syncs that tier (the chunk may be a deferred put of someone else).
//
// Thread-safe when both tiers are. Owns both tiers.
#pragma once

#include <cstdint>
#include <memory>

#include "blob/store.h"

namespace strata::blob {

// Default for chunks that go to the small tier: 64 KiB holds the small files of the workloads
// this is for (configs, tokenizer files, dataset shards of a few KiB) while keeping the bytes
// of 4 MiB chunks of big files out of the metadata engine (docs/storage.md).
constexpr uint64_t kDefaultSmallChunkMax = 64 << 10;

std::unique_ptr<Store> makeTieredStore(std::unique_ptr<Store> small, std::unique_ptr<Store> large,
                                       uint64_t small_chunk_max);

}  // namespace strata::blob
