// FileSystemImpl: mkdir, create, symlink, link.
#include "fs/file_system_impl.h"
#include "fs/names.h"

namespace strata::fs {
namespace {

db::Durability durabilityOf(const CreateOptions& o) {
  return o.defer_sync ? db::Durability::kBuffered : db::Durability::kSync;
}

}  // namespace

Result<InodeRec*> FileSystemImpl::createIn(MetaTxn& m, InodeId parent, std::string_view name,
                                           FileType type, const CreateOptions& o, InodeId ino,
                                           std::string_view target) {
  RETURN_IF_ERROR(validateName(name));
  ASSIGN_OR_RETURN(InodeRec * p, m.dir(parent));
  ASSIGN_OR_RETURN(auto existing, m.entry(parent, name));
  if (existing) return alreadyExists("file exists: ", name);

  InodeRec rec;
  Attr& a = rec.attr;
  a.ino = ino;
  a.type = type;
  a.mode = o.mode & 07777;
  a.uid = o.uid;
  a.gid = o.gid;
  a.size = type == FileType::kSymlink ? target.size() : 0;
  a.nlink = type == FileType::kDirectory ? 2 : 1;
  a.atime_ns = a.mtime_ns = a.ctime_ns = m.nowNs();
  a.version = 1;
  if (type == FileType::kDirectory) rec.parent = parent;
  rec.target = std::string(target);
  InodeRec* created = m.addInode(std::move(rec));

  RETURN_IF_ERROR(m.putEntry(parent, name, DirentRec{ino, type}));
  ++p->attr.size;
  if (type == FileType::kDirectory) ++p->attr.nlink;
  m.touch(p, true);
  m.countUsage(type, 1);
  return created;
}

Result<Attr> FileSystemImpl::mkdir(InodeId parent, std::string_view name, const CreateOptions& o) {
  ASSIGN_OR_RETURN(InodeId ino, inodes_.next());
  return runTxnAttr([&](MetaTxn& m) {
    return createIn(m, parent, name, FileType::kDirectory, o, ino, {});
  }, durabilityOf(o));
}

Result<Attr> FileSystemImpl::create(InodeId parent, std::string_view name, const CreateOptions& o) {
  ASSIGN_OR_RETURN(InodeId ino, inodes_.next());
  return runTxnAttr([&](MetaTxn& m) -> Result<InodeRec*> {
    if (!o.exclusive) {
      // O_CREAT without O_EXCL opens an existing regular file as it is.
      RETURN_IF_ERROR(validateName(name));
      RETURN_IF_ERROR(m.dir(parent).status());
      ASSIGN_OR_RETURN(auto e, m.entry(parent, name));
      if (e) {
        if (e->type == FileType::kDirectory) return isDirectory("is a directory: ", name);
        if (e->type == FileType::kSymlink) return alreadyExists("a symlink exists: ", name);
        return m.inode(e->ino);
      }
    }
    return createIn(m, parent, name, FileType::kRegular, o, ino, {});
  }, durabilityOf(o));
}

Result<Attr> FileSystemImpl::symlink(InodeId parent, std::string_view name,
                                     std::string_view target, const CreateOptions& o) {
  if (target.empty()) return invalidArgument("empty symlink target");
  if (target.size() > kMaxPathBytes) {
    return nameTooLong("symlink target of ", std::to_string(target.size()), " bytes is too long");
  }
  if (target.find('\0') != std::string_view::npos) {
    return invalidArgument("symlink target contains NUL");
  }
  ASSIGN_OR_RETURN(InodeId ino, inodes_.next());
  CreateOptions so = o;
  so.mode = 0777;  // symlink permissions are never checked; POSIX reports 0777
  return runTxnAttr([&](MetaTxn& m) {
    return createIn(m, parent, name, FileType::kSymlink, so, ino, target);
  }, durabilityOf(o));
}

Result<Attr> FileSystemImpl::link(InodeId ino, InodeId new_parent, std::string_view new_name) {
  RETURN_IF_ERROR(validateName(new_name));
  return runTxnAttr([&](MetaTxn& m) -> Result<InodeRec*> {
    ASSIGN_OR_RETURN(InodeRec * rec, m.inode(ino));
    if (rec->attr.type == FileType::kDirectory) {
      return permissionDenied("hard links to directories are not allowed");
    }
    if (rec->attr.nlink >= 65000) return Status(Code::kTooLarge, "too many links");
    ASSIGN_OR_RETURN(InodeRec * p, m.dir(new_parent));
    ASSIGN_OR_RETURN(auto existing, m.entry(new_parent, new_name));
    if (existing) return alreadyExists("file exists: ", new_name);
    RETURN_IF_ERROR(m.putEntry(new_parent, new_name, DirentRec{ino, rec->attr.type}));
    ++rec->attr.nlink;
    m.touch(rec, false);
    ++p->attr.size;
    m.touch(p, true);
    return rec;
  });
}

}  // namespace strata::fs
