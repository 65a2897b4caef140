// ObjectServiceImpl: construction, the transaction helpers shared by the operation files,
// and the fsck reference source.
#include <string>

#include "common/bytes.h"
#include "common/random.h"
#include "fs/scan.h"
#include "object/errors.h"
#include "object/service_impl.h"

namespace strata::object {

std::string newVersion() { return randomBytes(kVersionBytes); }
std::string newUploadId() { return randomHex(kUploadIdChars / 2); }

ObjectServiceImpl::ObjectServiceImpl(db::Engine& engine, fs::ChunkManager& chunks,
                                     ObjectServiceOptions options)
    : engine_(engine), chunks_(chunks), pool_(options.stream_memory, kChunkSize),
      readers_(options.read_threads),
      releaser_(chunks) {
  chunks_.addReferenceSource(this);
}

ObjectServiceImpl::~ObjectServiceImpl() { chunks_.removeReferenceSource(this); }

std::unique_ptr<ObjectService> makeObjectService(db::Engine& engine, fs::ChunkManager& chunks,
                                                 ObjectServiceOptions options) {
  return std::make_unique<ObjectServiceImpl>(engine, chunks, options);
}

Result<BucketRec> ObjectServiceImpl::getBucket(db::Transaction& txn, const ObjectKeys& keys,
                                               std::string_view bucket) {
  ASSIGN_OR_RETURN(auto val, txn.get(keys.bucket(bucket)));
  if (!val) return s3Error(Code::kNotFound, "NoSuchBucket", "no such bucket: ", bucket);
  return decodeBucket(*val);
}

Result<BucketRec> ObjectServiceImpl::peekBucket(const ObjectKeys& keys, std::string_view bucket) {
  ASSIGN_OR_RETURN(auto val, engine_.get(keys.bucket(bucket)));
  if (!val) return s3Error(Code::kNotFound, "NoSuchBucket", "no such bucket: ", bucket);
  return decodeBucket(*val);
}

Status ObjectServiceImpl::writeChunkList(db::Transaction& txn, const ObjectKeys& keys,
                                         uint64_t bucket_id, std::string_view version,
                                         const std::vector<ChunkRec>& chunks,
                                         std::vector<fs::RefChange>& refs) {
  uint64_t offset = 0;
  for (const auto& c : chunks) {
    RETURN_IF_ERROR(txn.put(keys.chunk(bucket_id, version, offset), encodeChunk(c)));
    refs.push_back(fs::RefChange{c.id, c.length, +1});
    offset += c.length;
  }
  return Status::OK();
}

Result<std::vector<ChunkRec>> ObjectServiceImpl::readChunkList(db::Transaction& txn,
                                                               const ObjectKeys& keys,
                                                               uint64_t bucket_id,
                                                               std::string_view version) {
  std::vector<ChunkRec> out;
  RETURN_IF_ERROR(fs::scanPrefix(txn, keys.chunkPrefix(bucket_id, version),
                                 [&](const db::KeyValue& kv) -> Result<bool> {
                                   ASSIGN_OR_RETURN(ChunkRec c, decodeChunk(kv.value));
                                   out.push_back(c);
                                   return true;
                                 }));
  return out;
}

Status ObjectServiceImpl::dropChunkList(db::Transaction& txn, const ObjectKeys& keys,
                                        uint64_t bucket_id, std::string_view version,
                                        std::vector<fs::RefChange>& refs) {
  return fs::scanPrefix(txn, keys.chunkPrefix(bucket_id, version),
                        [&](const db::KeyValue& kv) -> Result<bool> {
                          ASSIGN_OR_RETURN(ChunkRec c, decodeChunk(kv.value));
                          refs.push_back(fs::RefChange{c.id, c.length, -1});
                          RETURN_IF_ERROR(txn.del(kv.key));
                          return true;
                        });
}

Status ObjectServiceImpl::replaceObject(db::Transaction& txn, const ObjectKeys& keys,
                                        uint64_t bucket_id, std::string_view key,
                                        const ObjectInfo& info,
                                        std::vector<fs::RefChange>& refs) {
  const std::string obj_key = keys.object(bucket_id, key);
  ASSIGN_OR_RETURN(auto old_val, txn.get(obj_key));
  if (old_val) {
    ASSIGN_OR_RETURN(ObjectInfo old, decodeObject(*old_val));
    if (old.version != info.version) {
      RETURN_IF_ERROR(dropChunkList(txn, keys, bucket_id, old.version, refs));
    }
  }
  return txn.put(obj_key, encodeObject(info));
}

Result<UploadRec> ObjectServiceImpl::getUpload(db::Transaction& txn, const ObjectKeys& keys,
                                               uint64_t bucket_id, std::string_view key,
                                               std::string_view upload_id) {
  auto noSuchUpload = [&] {
    return s3Error(Code::kNotFound, "NoSuchUpload", "no such multipart upload: ", upload_id);
  };
  if (upload_id.size() != kUploadIdChars) return noSuchUpload();
  ASSIGN_OR_RETURN(auto val, txn.get(keys.upload(bucket_id, key, upload_id)));
  if (!val) return noSuchUpload();
  return decodeUpload(*val);
}

Result<std::vector<std::pair<uint32_t, PartRec>>> ObjectServiceImpl::readParts(
    db::Transaction& txn, const ObjectKeys& keys, uint64_t bucket_id,
    std::string_view upload_id) {
  std::vector<std::pair<uint32_t, PartRec>> out;
  const std::string prefix = keys.partPrefix(bucket_id, upload_id);
  RETURN_IF_ERROR(fs::scanPrefix(txn, prefix, [&](const db::KeyValue& kv) -> Result<bool> {
    ASSIGN_OR_RETURN(PartRec p, decodePart(kv.value));
    out.emplace_back(readU32BE(std::string_view(kv.key).substr(prefix.size())), std::move(p));
    return true;
  }));
  return out;
}

Status ObjectServiceImpl::forEachReference(std::string_view ws,
                                           const std::function<void(const Digest&)>& visit) {
  const ObjectKeys keys(ws);
  RETURN_IF_ERROR(fs::scanPrefix(engine_, keys.chunkAllPrefix(),
                                 [&](const db::KeyValue& kv) -> Result<bool> {
                                   ASSIGN_OR_RETURN(ChunkRec c, decodeChunk(kv.value));
                                   visit(c.id);
                                   return true;
                                 }));
  return fs::scanPrefix(engine_, keys.partAllPrefix(), [&](const db::KeyValue& kv) -> Result<bool> {
    ASSIGN_OR_RETURN(PartRec p, decodePart(kv.value));
    for (const auto& c : p.chunks) visit(c.id);
    return true;
  });
}

}  // namespace strata::object
