// FileSystemImpl: unlink, rmdir. Every check comes before the first write, so a failed
// call leaves the transaction untouched.
#include "fs/file_system_impl.h"
#include "fs/names.h"

namespace strata::fs {

Status FileSystemImpl::unlinkIn(MetaTxn& m, InodeId parent, std::string_view name) {
  RETURN_IF_ERROR(validateName(name));
  ASSIGN_OR_RETURN(InodeRec * p, m.dir(parent));
  ASSIGN_OR_RETURN(auto e, m.entry(parent, name));
  if (!e) return notFound("no such file or directory: ", name);
  if (e->type == FileType::kDirectory) return isDirectory("is a directory: ", name);
  ASSIGN_OR_RETURN(InodeRec * rec, m.inode(e->ino));
  RETURN_IF_ERROR(m.delEntry(parent, name));
  --p->attr.size;
  m.touch(p, true);
  return m.dropLink(rec);
}

Status FileSystemImpl::rmdirIn(MetaTxn& m, InodeId parent, std::string_view name) {
  RETURN_IF_ERROR(validateName(name));
  ASSIGN_OR_RETURN(InodeRec * p, m.dir(parent));
  ASSIGN_OR_RETURN(auto e, m.entry(parent, name));
  if (!e) return notFound("no such file or directory: ", name);
  if (e->type != FileType::kDirectory) return notDirectory("not a directory: ", name);
  // The child's inode is read with get(): any concurrent create in it writes that inode,
  // so the emptiness seen here cannot be stale at commit.
  ASSIGN_OR_RETURN(InodeRec * rec, m.inode(e->ino));
  if (rec->attr.size != 0) return notEmpty("directory not empty: ", name);
  RETURN_IF_ERROR(m.delEntry(parent, name));
  --p->attr.size;
  --p->attr.nlink;
  m.touch(p, true);
  return m.dropLink(rec);
}

Status FileSystemImpl::unlink(InodeId parent, std::string_view name) {
  return runTxn([&](MetaTxn& m) { return unlinkIn(m, parent, name); });
}

Status FileSystemImpl::rmdir(InodeId parent, std::string_view name) {
  return runTxn([&](MetaTxn& m) { return rmdirIn(m, parent, name); });
}

}  // namespace strata::fs
