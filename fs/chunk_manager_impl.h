// ChunkManagerImpl: the chunk layer of chunk_manager.h on db::Engine + blob::Store.
// Upload sessions and chunk I/O are in chunk_manager_impl.cc, the collector pass in
// collect.cc, the consistency check in fsck.cc.
//
// Thread-safe: everything is in the engine and the store, except the list of reference
// sources (guarded by sources_mu_).
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "blob/store.h"
#include "db/engine.h"
#include "fs/chunk_manager.h"
#include "fs/filesystem.h"
#include "fs/keys.h"

namespace strata::fs {

// A "deleting" mark older than this is taken as left behind by a collector that died between
// marking and dropping the mark; another collector then finishes the deletion.
constexpr int64_t kStaleDeletingSeconds = 600;

class ChunkManagerImpl final : public ChunkManager {
 public:
  ChunkManagerImpl(db::Engine& engine, blob::Store& store, ServiceOptions options)
      : engine_(engine), store_(store), options_(options) {}

  Result<UploadTicket> beginUpload(std::string_view ws, std::string_view upload_id,
                                   const std::vector<Digest>& ids) override {
    return beginUpload(ws, upload_id, ids, db::Durability::kSync);
  }
  Result<UploadTicket> beginUpload(std::string_view ws, std::string_view upload_id,
                                   const std::vector<Digest>& ids,
                                   db::Durability durability) override;
  Status putChunk(std::string_view ws, const Digest& id, std::string_view data) override {
    return putChunk(ws, id, data, blob::ChunkPutOptions{});
  }
  Status putChunk(std::string_view ws, const Digest& id, std::string_view data,
                  const blob::ChunkPutOptions& options) override;
  Status syncChunksForCommit() override { return store_.syncForEngineCommit(); }
  Status putChunks(std::string_view ws, const std::vector<blob::ChunkWrite>& chunks) override;
  Status endUpload(std::string_view ws, std::string_view upload_id) override;
  Result<std::string> read(std::string_view ws, const Digest& id, uint64_t offset,
                           uint64_t length) override;
  Result<blob::ChunkSlice> readSlice(std::string_view ws, const Digest& id, uint64_t offset,
                                     uint64_t length) override;
  Result<GcStats> collect(int64_t now_unix, bool ignore_pins) override;
  Result<FsckReport> fsck() override;
  Status changeReferences(db::Transaction& txn, std::string_view ws,
                          const std::vector<RefChange>& changes) override;
  Status registerWorkspace(db::Transaction& txn, std::string_view ws) override;
  void addReferenceSource(ReferenceSource* source) override;
  void removeReferenceSource(ReferenceSource* source) override;

 private:
  // Drops the pins of `upload_id` (and expired pins met on the way) and the upload itself.
  Status dropUpload(const WorkspaceKeys& keys, std::string_view upload_id, int64_t now_unix);
  Status expireUploads(const WorkspaceKeys& keys, int64_t now_unix);
  Status sweepOrphans(const WorkspaceKeys& keys, int64_t now_unix, bool ignore_pins,
                      GcStats& stats);
  Status drainQueue(const WorkspaceKeys& keys, int64_t now_unix, bool ignore_pins,
                    GcStats& stats);
  // Deletes the blob of a chunk marked "deleting" and then drops the mark.
  Status finishDelete(const WorkspaceKeys& keys, const Digest& id, GcStats& stats);

  db::Engine& engine_;
  blob::Store& store_;
  const ServiceOptions options_;
  mutable std::mutex sources_mu_;
  std::vector<ReferenceSource*> sources_;  // guarded by sources_mu_
};

}  // namespace strata::fs
