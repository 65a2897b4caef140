#include "fs/meta_txn.h"

#include <random>
#include <vector>

#include "common/bytes.h"
#include "fs/scan.h"

namespace strata::fs {

MetaTxn::MetaTxn(db::Transaction& txn, const FsKeys& keys, const WorkspaceKeys& ws,
                 blob::Store& store, int64_t now_ns)
    : txn_(txn), keys_(keys), ws_(ws), store_(store), now_ns_(now_ns) {}

Result<InodeRec*> MetaTxn::inode(InodeId ino) {
  auto it = inodes_.find(ino);
  if (it != inodes_.end()) {
    if (it->second.deleted) return notFound("inode ", std::to_string(ino), " was removed");
    return &it->second.rec;
  }
  ASSIGN_OR_RETURN(auto val, txn_.get(keys_.inode(ino)));
  if (!val) return notFound("no such inode: ", std::to_string(ino));
  ASSIGN_OR_RETURN(InodeRec rec, decodeInode(ino, *val));
  Slot& slot = inodes_[ino];
  slot.rec = std::move(rec);
  return &slot.rec;
}

Result<InodeRec*> MetaTxn::dir(InodeId ino) {
  ASSIGN_OR_RETURN(InodeRec * rec, inode(ino));
  if (rec->attr.type != FileType::kDirectory) {
    return notDirectory("inode ", std::to_string(ino), " is not a directory");
  }
  return rec;
}

InodeRec* MetaTxn::addInode(InodeRec rec) {
  InodeId ino = rec.attr.ino;
  Slot& slot = inodes_[ino];
  slot.rec = std::move(rec);
  slot.dirty = true;
  slot.is_new = true;
  slot.deleted = false;
  return &slot.rec;
}

void MetaTxn::touch(InodeRec* rec, bool content) {
  rec->attr.ctime_ns = now_ns_;
  if (content) rec->attr.mtime_ns = now_ns_;
  inodes_[rec->attr.ino].dirty = true;
}

Result<std::optional<DirentRec>> MetaTxn::entry(InodeId parent, std::string_view name) {
  ASSIGN_OR_RETURN(auto val, txn_.get(keys_.dirent(parent, name)));
  if (!val) return std::optional<DirentRec>();
  ASSIGN_OR_RETURN(DirentRec e, decodeDirent(*val));
  return std::optional<DirentRec>(e);
}

Status MetaTxn::putEntry(InodeId parent, std::string_view name, const DirentRec& e) {
  return txn_.put(keys_.dirent(parent, name), encodeDirent(e));
}

Status MetaTxn::delEntry(InodeId parent, std::string_view name) {
  return txn_.del(keys_.dirent(parent, name));
}

void MetaTxn::countUsage(FileType type, int64_t delta) {
  switch (type) {
    case FileType::kRegular: usage_.files += delta; break;
    case FileType::kDirectory: usage_.directories += delta; break;
    case FileType::kSymlink: usage_.symlinks += delta; break;
  }
}

Status MetaTxn::dropLink(InodeRec* rec) {
  if (rec->attr.type == FileType::kDirectory || rec->attr.nlink <= 1) return freeInode(rec);
  --rec->attr.nlink;
  touch(rec, false);
  return Status::OK();
}

Status MetaTxn::freeInode(InodeRec* rec) {
  const InodeId ino = rec->attr.ino;
  if (rec->attr.type == FileType::kRegular) {
    RETURN_IF_ERROR(truncateChunks(ino, 0));
    countBytes(-static_cast<int64_t>(rec->attr.size));
  }
  std::vector<std::string> xattrs;
  RETURN_IF_ERROR(scanPrefix(txn_, keys_.xattrPrefix(ino), [&](const db::KeyValue& kv) -> Result<bool> {
    xattrs.push_back(kv.key);
    return true;
  }));
  for (const auto& k : xattrs) RETURN_IF_ERROR(txn_.del(k));
  countUsage(rec->attr.type, -1);
  Slot& slot = inodes_[ino];
  slot.deleted = true;
  slot.dirty = true;
  return Status::OK();
}

Status MetaTxn::setChunk(InodeId ino, uint64_t index, const std::optional<ChunkRefRec>& ref) {
  const std::string key = keys_.chunk(ino, index);
  ASSIGN_OR_RETURN(auto old, txn_.get(key));
  if (old) {
    ASSIGN_OR_RETURN(ChunkRefRec prev, decodeChunkRef(*old));
    if (ref && prev.id == ref->id && prev.length == ref->length) return Status::OK();
    refs_.remove(prev.id);
  }
  if (ref) {
    refs_.add(ref->id, ref->length);
    return txn_.put(key, encodeChunkRef(*ref));
  }
  return old ? txn_.del(key) : Status::OK();
}

Status MetaTxn::truncateChunks(InodeId ino, uint64_t new_size) {
  // Chunks from `first_dropped` on lie wholly past the new end.
  const uint64_t first_dropped = (new_size + kChunkSize - 1) / kChunkSize;
  std::vector<std::pair<std::string, ChunkRefRec>> refs;
  std::string begin = keys_.chunkPrefix(ino);
  // The straddling chunk (if the new end is inside one) is the one before first_dropped.
  const uint64_t tail = new_size % kChunkSize ? new_size / kChunkSize : first_dropped;
  appendU64BE(begin, tail);
  RETURN_IF_ERROR(scanRange(txn_, begin, db::prefixEnd(keys_.chunkPrefix(ino)),
                            [&](const db::KeyValue& kv) -> Result<bool> {
                              ASSIGN_OR_RETURN(ChunkRefRec r, decodeChunkRef(kv.value));
                              refs.emplace_back(kv.key, r);
                              return true;
                            }));
  const size_t prefix_len = keys_.chunkPrefix(ino).size();
  for (auto& [key, ref] : refs) {
    uint64_t index = readU64BE(std::string_view(key).substr(prefix_len));
    if (index >= first_dropped) {
      refs_.remove(ref.id);
      RETURN_IF_ERROR(txn_.del(key));
      continue;
    }
    // The straddling chunk keeps its id; only its visible length shrinks.
    uint64_t keep = new_size - index * kChunkSize;
    if (ref.length > keep) {
      ref.length = static_cast<uint32_t>(keep);
      RETURN_IF_ERROR(txn_.put(key, encodeChunkRef(ref)));
    }
  }
  return Status::OK();
}

Status MetaTxn::finish() {
  for (auto& [ino, slot] : inodes_) {
    if (!slot.dirty) continue;
    if (slot.deleted) {
      if (!slot.is_new) RETURN_IF_ERROR(txn_.del(keys_.inode(ino)));
      continue;
    }
    if (!slot.is_new) ++slot.rec.attr.version;
    RETURN_IF_ERROR(txn_.put(keys_.inode(ino), encodeInode(slot.rec)));
  }
  if (!usage_.empty()) {
    // A random shard per transaction: concurrent creates rarely meet on one counter key.
    thread_local std::minstd_rand rng(std::random_device{}());
    const std::string key = keys_.usageShard(rng() % kUsageShards);
    ASSIGN_OR_RETURN(auto val, txn_.get(key));
    UsageRec u;
    if (val) {
      ASSIGN_OR_RETURN(u, decodeUsage(*val));
    }
    u.bytes += usage_.bytes;
    u.files += usage_.files;
    u.directories += usage_.directories;
    u.symlinks += usage_.symlinks;
    RETURN_IF_ERROR(u.empty() ? txn_.del(key) : txn_.put(key, encodeUsage(u)));
  }
  return refs_.apply(txn_, store_, ws_, now_ns_ / 1'000'000'000);
}

}  // namespace strata::fs
