// Binary records of the file-system service (docs/formats.md, "records").
//
// Every value starts with a format version byte (currently 1) followed by fixed-width
// big-endian fields: compact, cheap to decode, no JSON on the hot path. decode* functions
// return kCorruption for a value that is truncated or has an unknown version, naming `what`.
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/sha256.h"
#include "common/status.h"
#include "fs/types.h"

namespace strata::fs {

// An inode: the attributes plus what Attr does not carry.
struct InodeRec {
  Attr attr;
  InodeId parent = 0;  // directories only (for the rename-into-own-subtree walk); 0 otherwise
  std::string target;  // symlinks only
};
std::string encodeInode(const InodeRec& r);
Result<InodeRec> decodeInode(InodeId ino, std::string_view v);

struct DirentRec {
  InodeId ino = 0;
  FileType type = FileType::kRegular;
};
std::string encodeDirent(const DirentRec& r);
Result<DirentRec> decodeDirent(std::string_view v);

// The value of a chunk-map key; the index is in the key.
struct ChunkRefRec {
  Digest id;
  uint32_t length = 0;
};
std::string encodeChunkRef(const ChunkRefRec& r);
Result<ChunkRefRec> decodeChunkRef(std::string_view v);

struct FsRec {
  uint64_t fsid = 0;
  int64_t created_ns = 0;
};
std::string encodeFs(const FsRec& r);
Result<FsRec> decodeFs(std::string_view v);

// A single counter (next free inode id, next file-system id, a chunk's reference count).
std::string encodeCounter(uint64_t v);
Result<uint64_t> decodeCounter(std::string_view what, std::string_view v);

// Collector queue entry of one chunk whose reference count reached zero (or an orphan blob).
struct GcRec {
  int64_t queued_unix = 0;
  bool deleting = false;   // the collector owns the chunk: its blob is being removed
  int64_t marked_unix = 0; // when `deleting` was set
};
std::string encodeGc(const GcRec& r);
Result<GcRec> decodeGc(std::string_view v);

// The pins of one chunk: which uploads protect it until when. An anonymous entry ("") stands
// for uploads that no longer fit (kMaxPinEntries); it only expires.
struct PinEntry {
  std::string upload_id;
  int64_t expiry_unix = 0;
};
struct PinRec {
  std::vector<PinEntry> entries;
  bool liveAt(int64_t now_unix) const;
};
constexpr size_t kMaxPinEntries = 32;
std::string encodePin(const PinRec& r);
Result<PinRec> decodePin(std::string_view v);

struct UploadRec {
  int64_t created_unix = 0;
  int64_t expiry_unix = 0;
};
std::string encodeUpload(const UploadRec& r);
Result<UploadRec> decodeUpload(std::string_view v);

// One usage-counter shard. Fields are signed: a delete may land on another shard than the
// create it undoes; only the sum over all shards means anything.
struct UsageRec {
  int64_t bytes = 0;
  int64_t files = 0;
  int64_t directories = 0;
  int64_t symlinks = 0;
  bool empty() const { return !bytes && !files && !directories && !symlinks; }
};
std::string encodeUsage(const UsageRec& r);
Result<UsageRec> decodeUsage(std::string_view v);

std::string encodeXattr(std::string_view value);
Result<std::string> decodeXattr(std::string_view v);

}  // namespace strata::fs
