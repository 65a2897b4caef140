// The RocksDB backend of db::Engine: the embedded default metadata store of
// `strata server --data DIR`. Choices and options are explained in docs/storage.md.
//
// It is an OptimisticTransactionDB: a transaction takes a snapshot when it begins, reads at that
// snapshot through its own write batch, records every key it reads with get() and every key it
// writes, and at commit RocksDB checks that none of those keys was written by a transaction
// that committed after the snapshot (else kConflict). Readers never block writers and no lock
// is held across a transaction, which suits short metadata transactions retried by
// Engine::run. Scans are not tracked (see engine.h).
//
// Memory is bounded for a server that must stay well under 256 MiB: the block cache (which
// also holds index and filter blocks) is `block_cache_bytes`, and memtables take at most 64 MiB.
//
// Thread-safety: as db::Engine. The Engine must outlive its transactions. Only one process may
// open a directory at a time (RocksDB's LOCK file); a second open is kBusy.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "common/status.h"
#include "db/engine.h"

namespace strata::db {

struct RocksDbOptions {
  // fsync the write-ahead log on every commit, so a committed transaction also survives a
  // machine crash. Without it a commit still survives kill -9 of the process (the log is
  // written to the kernel before commit returns), but not a power loss.
  bool sync = true;
  size_t block_cache_bytes = 64 << 20;
};

// Opens (creating if missing) the database in directory `dir`.
Result<std::unique_ptr<Engine>> openRocksDbEngine(const std::string& dir, RocksDbOptions options = {});

}  // namespace strata::db
