// EngineStore: a blob::Store whose chunks live in the metadata engine (db::Engine) itself, for
// small chunks: storing a 16 KiB chunk as one more write to the engine's log costs no file
// creation and no fsync of its own, where a file per chunk costs a create, an fsync of the
// file and one of its directory (blob/local_store.h). TieredStore (tiered_store.h) sends the
// small chunks here and the big ones to files.
//
// Key layout (docs/formats.md "Small-chunk tier"), beside every other record of the engine:
//   blob/<ns>/i/<32 raw id bytes>   info record: 01 | BE64 size | i64 written_unix
//   blob/<ns>/d/<32 raw id bytes>   the chunk's bytes, as they are
// Both keys of a chunk are written and deleted together in one atomic engine batch. stat(),
// list() and the existence check of put() read only the small info records.
//
// Durability (the weaker part of the blob/store.h contract): put() and putBatch() write with
// db::Durability::kBuffered, so on return the chunk survives kill -9 of the process (it is in
// the engine's write-ahead log in the kernel). It survives a machine crash once sync() returned,
// or once any later synced write of the same engine returned, or after the engine's background
// log sync (about a second). remove() is buffered too: a removal that a crash undoes leaves an
// orphan, which the collector removes again.
//
// Thread-safe (the engine is). The engine must outlive the store.
#pragma once

#include <memory>

#include "blob/store.h"
#include "db/engine.h"

namespace strata::blob {

std::unique_ptr<Store> makeEngineStore(db::Engine& engine);

}  // namespace strata::blob
