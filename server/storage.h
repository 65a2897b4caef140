// The storage of one data directory, as `strata server` and its offline commands open it:
// DIR/meta (RocksDB metadata engine) and DIR/chunks (local chunk store), with the file-system
// service on top. The chunk store is a blob::TieredStore: chunks of at most
// StorageOptions::small_chunk_max bytes live in the metadata engine (blob::EngineStore, same
// RocksDB, so a small file costs no file create and no fsync of its own), bigger ones in
// DIR/chunks. Members are destroyed in reverse order, so the service goes before the store,
// and the store before the engine it uses.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "blob/store.h"
#include "blob/tiered_store.h"
#include "common/status.h"
#include "db/engine.h"
#include "fs/filesystem.h"
#include "object/object_service.h"

namespace strata::server {

constexpr std::string_view kDefaultWorkspace = "default";

struct StorageOptions {
  // Chunks up to this size are stored in the metadata engine; 0 stores every new chunk as a
  // file. Chunks already stored are found in either place whatever the value.
  uint64_t small_chunk_max = blob::kDefaultSmallChunkMax;
};

struct Storage {
  std::unique_ptr<db::Engine> engine;
  std::unique_ptr<blob::Store> store;
  std::unique_ptr<fs::FileSystemService> service;
  // Buckets and objects on the same chunk layer; it registers with the chunk manager so fsck
  // counts object references, so every opener of the storage (fsck included) has it.
  std::unique_ptr<object::ObjectService> objects;
};

// Creates DIR (mode 0700) when missing, opens both stores, and ensures the `default`
// workspace with its `default` file system and `public` / `private` buckets. kBusy when another process has DIR open.
Result<Storage> openStorage(const std::string& data_dir, fs::ServiceOptions options,
                            StorageOptions storage_options = {});

}  // namespace strata::server
