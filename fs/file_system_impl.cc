// FileSystemImpl: construction, the transaction runner and the read-only inode calls.
#include "fs/file_system_impl.h"

#include "common/clock.h"
#include "fs/names.h"
#include "fs/records.h"

namespace strata::fs {

FileSystemImpl::FileSystemImpl(db::Engine& engine, blob::Store& store, std::string ws,
                               std::string name, uint64_t fsid)
    : engine_(engine),
      store_(store),
      name_(std::move(name)),
      ws_keys_(ws),
      keys_(ws, fsid),
      inodes_(engine, keys_.inodeCounter()) {}

Status FileSystemImpl::runTxn(const std::function<Status(MetaTxn&)>& body) {
  return engine_.run([&](db::Transaction& t) -> Status {
    MetaTxn m(t, keys_, ws_keys_, store_, nowNanos());
    RETURN_IF_ERROR(body(m));
    return m.finish();
  });
}

Result<Attr> FileSystemImpl::runTxnAttr(const std::function<Result<InodeRec*>(MetaTxn&)>& body,
                                        db::Durability durability) {
  Attr out;
  RETURN_IF_ERROR(engine_.run(
      [&](db::Transaction& t) -> Status {
        MetaTxn m(t, keys_, ws_keys_, store_, nowNanos());
        ASSIGN_OR_RETURN(InodeRec * rec, body(m));
        RETURN_IF_ERROR(m.finish());
        out = rec->attr;  // after finish(): carries the committed version
        return Status::OK();
      },
      {.durability = durability}));
  return out;
}

Result<InodeRec> FileSystemImpl::readInode(InodeId ino) {
  ASSIGN_OR_RETURN(auto val, engine_.get(keys_.inode(ino)));
  if (!val) return notFound("no such inode: ", std::to_string(ino));
  return decodeInode(ino, *val);
}

Result<std::optional<DirentRec>> FileSystemImpl::readEntry(InodeId parent, std::string_view name) {
  ASSIGN_OR_RETURN(auto val, engine_.get(keys_.dirent(parent, name)));
  if (!val) return std::optional<DirentRec>();
  ASSIGN_OR_RETURN(DirentRec e, decodeDirent(*val));
  return std::optional<DirentRec>(e);
}

Result<Attr> FileSystemImpl::lookup(InodeId parent, std::string_view name) {
  RETURN_IF_ERROR(validateName(name));
  ASSIGN_OR_RETURN(auto e, readEntry(parent, name));
  if (!e) {
    // Tell a missing directory and a non-directory parent apart from a missing name.
    ASSIGN_OR_RETURN(InodeRec p, readInode(parent));
    if (p.attr.type != FileType::kDirectory) {
      return notDirectory("inode ", std::to_string(parent), " is not a directory");
    }
    return notFound("no such file or directory: ", name);
  }
  ASSIGN_OR_RETURN(InodeRec rec, readInode(e->ino));
  return rec.attr;
}

Result<Attr> FileSystemImpl::getattr(InodeId ino) {
  ASSIGN_OR_RETURN(InodeRec rec, readInode(ino));
  return rec.attr;
}

Result<std::string> FileSystemImpl::readlink(InodeId ino) {
  ASSIGN_OR_RETURN(InodeRec rec, readInode(ino));
  if (rec.attr.type != FileType::kSymlink) {
    return invalidArgument("inode ", std::to_string(ino), " is not a symlink");
  }
  return rec.target;
}

Result<DirPage> FileSystemImpl::readdir(InodeId dir, std::string_view cursor, size_t limit) {
  if (limit == 0) return invalidArgument("readdir limit must be at least 1");
  if (cursor.size() > kMaxNameBytes) return invalidArgument("bad readdir cursor");
  ASSIGN_OR_RETURN(InodeRec d, readInode(dir));
  if (d.attr.type != FileType::kDirectory) {
    return notDirectory("inode ", std::to_string(dir), " is not a directory");
  }
  const std::string prefix = keys_.direntPrefix(dir);
  std::string begin = prefix;
  if (!cursor.empty()) {
    begin += cursor;
    begin.push_back('\0');  // strictly after the cursor name
  }
  db::ScanOptions opts;
  opts.limit = limit + 1;  // one more tells whether another page follows
  ASSIGN_OR_RETURN(auto kvs, engine_.scan(begin, db::prefixEnd(prefix), opts));
  DirPage page;
  const bool more = kvs.size() > limit;
  if (more) kvs.resize(limit);
  page.entries.reserve(kvs.size());
  for (const auto& kv : kvs) {
    ASSIGN_OR_RETURN(DirentRec e, decodeDirent(kv.value));
    page.entries.push_back(DirEntry{kv.key.substr(prefix.size()), e.ino, e.type});
  }
  if (more) page.next_cursor = page.entries.back().name;
  return page;
}

}  // namespace strata::fs
