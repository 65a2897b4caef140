// FileSystemImpl: chunk maps (chunks, commitChunks) and the content writer shared with
// commitFile.
#include <set>

#include "common/bytes.h"
#include "fs/file_system_impl.h"
#include "fs/records.h"
#include "fs/scan.h"

namespace strata::fs {

Status FileSystemImpl::writeContent(MetaTxn& m, InodeRec* rec, const FileContent& c,
                                    bool complete) {
  if (c.size > kMaxFileSize) return Status(Code::kTooLarge, "file size too large");
  std::set<uint64_t> seen;
  for (const auto& ref : c.chunks) {
    if (ref.length == 0 || ref.length > kChunkSize) {
      return invalidArgument("chunk ", std::to_string(ref.index), " has a bad length ",
                             std::to_string(ref.length));
    }
    if (ref.index > c.size / kChunkSize || ref.index * kChunkSize + ref.length > c.size) {
      return invalidArgument("chunk ", std::to_string(ref.index), " lies past the file size ",
                             std::to_string(c.size));
    }
    if (!seen.insert(ref.index).second) {
      return invalidArgument("chunk index ", std::to_string(ref.index), " is listed twice");
    }
  }
  Attr& a = rec->attr;
  const InodeId ino = a.ino;
  // Cut first, then set: a chunk that stays is a no-op and reference counts only move by the
  // net change. A complete map is dense (commitFile checks it), so cutting at its size drops
  // exactly the indexes it does not list.
  if (c.truncate_to && *c.truncate_to < a.size) {
    if (*c.truncate_to > c.size) return invalidArgument("truncate_to lies past the new size");
    RETURN_IF_ERROR(m.truncateChunks(ino, *c.truncate_to));
  }
  if (complete || c.size < a.size) RETURN_IF_ERROR(m.truncateChunks(ino, c.size));
  for (const auto& ref : c.chunks) {
    RETURN_IF_ERROR(m.setChunk(ino, ref.index, ChunkRefRec{ref.id, ref.length}));
  }
  m.countBytes(static_cast<int64_t>(c.size) - static_cast<int64_t>(a.size));
  a.size = c.size;
  if (c.mode) a.mode = *c.mode & 07777;
  m.touch(rec, true);
  if (c.mtime_ns) a.mtime_ns = *c.mtime_ns;
  return Status::OK();
}

Result<Attr> FileSystemImpl::commitChunks(InodeId ino, const FileContent& content) {
  return runTxnAttr([&](MetaTxn& m) -> Result<InodeRec*> {
    ASSIGN_OR_RETURN(InodeRec * rec, m.inode(ino));
    if (rec->attr.type == FileType::kDirectory) return isDirectory("is a directory");
    if (rec->attr.type != FileType::kRegular) return invalidArgument("not a regular file");
    RETURN_IF_ERROR(writeContent(m, rec, content, false));
    return rec;
  }, content.defer_sync ? db::Durability::kBuffered : db::Durability::kSync);
}

Result<std::vector<ChunkRef>> FileSystemImpl::chunks(InodeId ino, uint64_t first, uint64_t count) {
  ASSIGN_OR_RETURN(InodeRec rec, readInode(ino));
  if (rec.attr.type == FileType::kDirectory) return isDirectory("is a directory");
  if (rec.attr.type != FileType::kRegular) return invalidArgument("not a regular file");
  std::vector<ChunkRef> out;
  if (count == 0) return out;
  const std::string prefix = keys_.chunkPrefix(ino);
  const bool to_end = first + count < first;  // overflow: everything from `first` on
  const std::string end = to_end ? db::prefixEnd(prefix) : keys_.chunk(ino, first + count);
  RETURN_IF_ERROR(scanRange(engine_, keys_.chunk(ino, first), end,
                            [&](const db::KeyValue& kv) -> Result<bool> {
                              ASSIGN_OR_RETURN(ChunkRefRec r, decodeChunkRef(kv.value));
                              uint64_t index = readU64BE(std::string_view(kv.key).substr(prefix.size()));
                              out.push_back(ChunkRef{index, r.id, r.length});
                              return true;
                            }));
  return out;
}

}  // namespace strata::fs
