// Binary records of the object service (docs/object-formats.md). Every value starts with a
// format version byte (1), then fixed-width big-endian fields and BE16-length-prefixed
// strings. decode* return kCorruption naming the record for a truncated value, trailing bytes
// or an unknown version. Pure functions; thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/sha256.h"
#include "common/status.h"
#include "object/object_service.h"

namespace strata::object {

struct BucketRec {
  uint64_t id = 0;
  int64_t created_ns = 0;
  bool is_public = false;
};
std::string encodeBucket(const BucketRec& r);
Result<BucketRec> decodeBucket(std::string_view v);

// The object record: ObjectInfo without key and bucket id (those are in the db key).
std::string encodeObject(const ObjectInfo& info);
Result<ObjectInfo> decodeObject(std::string_view v);

// One chunk of a stored chunk list; its offset in the object is in the key.
struct ChunkRec {
  Digest id;
  uint32_t length = 0;
};
std::string encodeChunk(const ChunkRec& r);
Result<ChunkRec> decodeChunk(std::string_view v);

struct UploadRec {
  int64_t initiated_ns = 0;
  ObjectAttrs attrs;
};
std::string encodeUpload(const UploadRec& r);
Result<UploadRec> decodeUpload(std::string_view v);

struct PartRec {
  int64_t mtime_ns = 0;
  uint64_t size = 0;
  std::array<uint8_t, 16> md5{};
  std::vector<ChunkRec> chunks;  // in order; a part of up to 5 GiB has at most 1280
};
std::string encodePart(const PartRec& r);
Result<PartRec> decodePart(std::string_view v);

std::string md5Hex(const std::array<uint8_t, 16>& md5);

}  // namespace strata::object
