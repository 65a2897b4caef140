// Value types of the file-system namespace, shared by fs/, server/ and (through JSON) clients.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/sha256.h"

namespace strata::fs {

using InodeId = uint64_t;
constexpr InodeId kRootInode = 1;
constexpr uint64_t kChunkSize = 4ull << 20;  // fixed: chunk i covers [i*4MiB, (i+1)*4MiB)
constexpr size_t kMaxNameBytes = 255;
constexpr size_t kMaxPathBytes = 4096;

enum class FileType : uint8_t { kRegular = 1, kDirectory = 2, kSymlink = 3 };

struct Attr {
  InodeId ino = 0;
  FileType type = FileType::kRegular;
  uint32_t mode = 0;  // permission bits only (07777); the type is `type`
  uint32_t uid = 0;
  uint32_t gid = 0;
  uint64_t size = 0;  // bytes for files, target length for symlinks, entry count for dirs
  uint32_t nlink = 1;
  int64_t atime_ns = 0;
  int64_t mtime_ns = 0;
  int64_t ctime_ns = 0;
  uint64_t version = 0;  // bumped on every change of content or attributes
};

struct DirEntry {
  std::string name;
  InodeId ino = 0;
  FileType type = FileType::kRegular;
};

// One page of a directory listing. Entries come in bytewise name order; `next_cursor` is the
// last name returned (empty when the listing is complete). Resuming from a cursor is stable
// under concurrent changes: entries present for the whole listing are returned exactly once.
struct DirPage {
  std::vector<DirEntry> entries;
  std::string next_cursor;
};

// Chunk `index` of a file holds bytes [index*kChunkSize, index*kChunkSize + length).
// Indexes without a ChunkRef below the file size are holes and read as zeros.
struct ChunkRef {
  uint64_t index = 0;
  Digest id;
  uint32_t length = 0;
};

// Fields to change in setattr; unset ones stay.
struct SetAttr {
  std::optional<uint32_t> mode;
  std::optional<uint32_t> uid;
  std::optional<uint32_t> gid;
  std::optional<uint64_t> size;  // truncate / extend with a hole
  std::optional<int64_t> atime_ns;
  std::optional<int64_t> mtime_ns;
};

struct Usage {
  uint64_t bytes = 0;        // sum of file sizes
  uint64_t files = 0;
  uint64_t directories = 0;
  uint64_t symlinks = 0;
};

enum RenameFlags : uint32_t { kRenameNoReplace = 1, kRenameExchange = 2 };

enum class XattrMode { kAny, kCreate, kReplace };

}  // namespace strata::fs
