// ObjectServiceImpl: ObjectService on db::Engine + fs::ChunkManager. One file per group of
// operations: bucket_ops.cc, object_ops.cc (put/head/read/delete/copy/acl), list_ops.cc,
// multipart_ops.cc; shared transaction helpers in this header (object_txn.cc).
//
// Every change is one Engine::run transaction. Guards against phantoms (scans are not
// conflict-checked): every object or upload write reads its bucket record with get(), and
// deleteBucket rewrites it, so a put racing a bucket delete conflicts and re-runs.
//
// Streaming memory (put bodies being hashed and stored, get chunks read ahead) comes from one
// BufferPool of ObjectServiceOptions::stream_memory bytes, so the service's memory is bounded
// whatever the number of requests; pins of finished puts are dropped by a PinReleaser.
//
// Thread-safe: no mutable state besides what the engine, the chunk layer, the pool and the
// releaser (each thread-safe) hold.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "db/engine.h"
#include "fs/chunk_manager.h"
#include "object/buffer_pool.h"
#include "object/keys.h"
#include "object/object_service.h"
#include "object/pin_releaser.h"
#include "object/records.h"
#include "object/task_pool.h"

namespace strata::object {

class ObjectServiceImpl final : public ObjectService, public fs::ReferenceSource {
 public:
  ObjectServiceImpl(db::Engine& engine, fs::ChunkManager& chunks, ObjectServiceOptions options);
  ~ObjectServiceImpl() override;

  Status ensureWorkspace(std::string_view ws) override;
  Status createBucket(std::string_view ws, std::string_view bucket, bool is_public) override;
  Result<std::vector<BucketInfo>> listBuckets(std::string_view ws) override;
  Result<BucketInfo> headBucket(std::string_view ws, std::string_view bucket) override;
  Status deleteBucket(std::string_view ws, std::string_view bucket) override;
  Status setBucketPublic(std::string_view ws, std::string_view bucket, bool is_public) override;

  Result<ObjectInfo> putObject(std::string_view ws, std::string_view bucket, std::string_view key,
                               const ByteSource& body, const PutOptions& options) override;
  Result<ObjectInfo> headObject(std::string_view ws, std::string_view bucket,
                                std::string_view key) override;
  using ObjectService::readObject;
  Status readObject(std::string_view ws, const ObjectInfo& info, uint64_t offset,
                    uint64_t length, const ByteSink& sink, const FileSink& file_sink) override;
  Status deleteObject(std::string_view ws, std::string_view bucket, std::string_view key) override;
  Result<ObjectInfo> copyObject(std::string_view ws, std::string_view src_bucket,
                                std::string_view src_key, std::string_view dst_bucket,
                                std::string_view dst_key,
                                const std::optional<ObjectAttrs>& attrs) override;
  Status setObjectPublic(std::string_view ws, std::string_view bucket, std::string_view key,
                         bool is_public) override;
  Result<ListResult> listObjects(std::string_view ws, std::string_view bucket,
                                 const ListOptions& options) override;

  Result<std::string> createMultipart(std::string_view ws, std::string_view bucket,
                                      std::string_view key, const ObjectAttrs& attrs) override;
  Result<PartInfo> uploadPart(std::string_view ws, std::string_view bucket, std::string_view key,
                              std::string_view upload_id, int part_number,
                              const ByteSource& body, const PutOptions& options) override;
  Result<ObjectInfo> completeMultipart(std::string_view ws, std::string_view bucket,
                                       std::string_view key, std::string_view upload_id,
                                       const std::vector<CompletedPart>& parts) override;
  Status abortMultipart(std::string_view ws, std::string_view bucket, std::string_view key,
                        std::string_view upload_id) override;
  Result<PartList> listParts(std::string_view ws, std::string_view bucket, std::string_view key,
                             std::string_view upload_id, int part_number_marker,
                             size_t max_parts) override;
  Result<UploadList> listUploads(std::string_view ws, std::string_view bucket,
                                 std::string_view prefix, std::string_view key_marker,
                                 std::string_view upload_id_marker, size_t max_uploads) override;

  // fs::ReferenceSource: one reference per chunk record of every object and part.
  Status forEachReference(std::string_view ws,
                          const std::function<void(const Digest&)>& visit) override;

 private:
  // --- helpers shared by the operation files (object_txn.cc) ---
  // The bucket record, read with get() (in the read set); "[NoSuchBucket]" when absent.
  Result<BucketRec> getBucket(db::Transaction& txn, const ObjectKeys& keys,
                              std::string_view bucket);
  // Same, outside a transaction (checks before a body is read).
  Result<BucketRec> peekBucket(const ObjectKeys& keys, std::string_view bucket);
  // Writes `chunks` as the chunk list of `version` and adds one reference to each.
  Status writeChunkList(db::Transaction& txn, const ObjectKeys& keys, uint64_t bucket_id,
                        std::string_view version, const std::vector<ChunkRec>& chunks,
                        std::vector<fs::RefChange>& refs);
  // Deletes the chunk list of `version` and drops its references.
  Status dropChunkList(db::Transaction& txn, const ObjectKeys& keys, uint64_t bucket_id,
                       std::string_view version, std::vector<fs::RefChange>& refs);
  // Reads the chunk list of a version inside `txn`.
  Result<std::vector<ChunkRec>> readChunkList(db::Transaction& txn, const ObjectKeys& keys,
                                              uint64_t bucket_id, std::string_view version);
  // Makes `info` (with its chunk list already written) the object at `key`, dropping the
  // object it replaces. `refs` collects reference changes; the caller applies them.
  Status replaceObject(db::Transaction& txn, const ObjectKeys& keys, uint64_t bucket_id,
                       std::string_view key, const ObjectInfo& info,
                       std::vector<fs::RefChange>& refs);
  // The multipart upload record; "[NoSuchUpload]" when absent.
  Result<UploadRec> getUpload(db::Transaction& txn, const ObjectKeys& keys, uint64_t bucket_id,
                              std::string_view key, std::string_view upload_id);
  Result<std::vector<std::pair<uint32_t, PartRec>>> readParts(db::Transaction& txn,
                                                               const ObjectKeys& keys,
                                                               uint64_t bucket_id,
                                                               std::string_view upload_id);

  db::Engine& engine_;
  fs::ChunkManager& chunks_;
  BufferPool pool_;
  TaskPool readers_;      // chunk reads of readObject
  PinReleaser releaser_;  // last: its destructor finishes the queued releases first
};

// Fresh object version / upload id.
std::string newVersion();
std::string newUploadId();

}  // namespace strata::object
