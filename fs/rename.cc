// FileSystemImpl: rename (POSIX rules, RENAME_NOREPLACE, RENAME_EXCHANGE), in one transaction.
#include "fs/file_system_impl.h"
#include "fs/names.h"

namespace strata::fs {
namespace {
constexpr int kMaxDepth = 100000;  // a longer parent chain can only be a cycle (corruption)
}  // namespace

// kInvalidArgument when `new_parent` is `moved_dir` or lies below it. Every ancestor is read
// with get(): a concurrent rename that moves one of them rewrites its inode (parent pointer),
// so two renames that together would form a cycle conflict and the second one re-checks.
Status FileSystemImpl::checkNotInside(MetaTxn& m, InodeId moved_dir, InodeId new_parent) {
  InodeId cur = new_parent;
  for (int depth = 0; depth < kMaxDepth; ++depth) {
    if (cur == moved_dir) return invalidArgument("cannot move a directory into itself");
    if (cur == kRootInode) return Status::OK();
    ASSIGN_OR_RETURN(InodeRec * rec, m.inode(cur));
    cur = rec->parent;
  }
  return corruption("directory parent chain does not reach the root");
}

Status FileSystemImpl::renameIn(MetaTxn& m, InodeId sp, std::string_view sn, InodeId dp,
                                std::string_view dn, uint32_t flags) {
  if ((flags & ~(kRenameNoReplace | kRenameExchange)) != 0 ||
      flags == (kRenameNoReplace | kRenameExchange)) {
    return invalidArgument("bad rename flags");
  }
  RETURN_IF_ERROR(validateName(sn));
  RETURN_IF_ERROR(validateName(dn));
  ASSIGN_OR_RETURN(InodeRec * src_parent, m.dir(sp));
  ASSIGN_OR_RETURN(InodeRec * dst_parent, m.dir(dp));
  ASSIGN_OR_RETURN(auto se, m.entry(sp, sn));
  if (!se) return notFound("no such file or directory: ", sn);
  if (sp == dp && sn == dn) return Status::OK();
  ASSIGN_OR_RETURN(auto de, m.entry(dp, dn));
  ASSIGN_OR_RETURN(InodeRec * src, m.inode(se->ino));
  const bool src_dir = src->attr.type == FileType::kDirectory;
  const bool cross = sp != dp;

  if (flags & kRenameExchange) {
    if (!de) return notFound("no such file or directory: ", dn);
    if (de->ino == se->ino) return Status::OK();
    ASSIGN_OR_RETURN(InodeRec * dst, m.inode(de->ino));
    const bool dst_dir = dst->attr.type == FileType::kDirectory;
    if (cross && src_dir) RETURN_IF_ERROR(checkNotInside(m, se->ino, dp));
    if (cross && dst_dir) RETURN_IF_ERROR(checkNotInside(m, de->ino, sp));
    RETURN_IF_ERROR(m.putEntry(sp, sn, *de));
    RETURN_IF_ERROR(m.putEntry(dp, dn, *se));
    if (cross) {
      if (src_dir) {
        src->parent = dp;
        --src_parent->attr.nlink;
        ++dst_parent->attr.nlink;
      }
      if (dst_dir) {
        dst->parent = sp;
        --dst_parent->attr.nlink;
        ++src_parent->attr.nlink;
      }
    }
    m.touch(src, false);
    m.touch(dst, false);
    m.touch(src_parent, true);
    m.touch(dst_parent, true);
    return Status::OK();
  }

  InodeRec* replaced = nullptr;
  if (de) {
    if (flags & kRenameNoReplace) return alreadyExists("file exists: ", dn);
    // Two names of one inode: POSIX says rename does nothing.
    if (de->ino == se->ino) return Status::OK();
    ASSIGN_OR_RETURN(replaced, m.inode(de->ino));
    const bool dst_dir = replaced->attr.type == FileType::kDirectory;
    if (src_dir && !dst_dir) return notDirectory("not a directory: ", dn);
    if (!src_dir && dst_dir) return isDirectory("is a directory: ", dn);
    // `replaced` was read with get(): a concurrent create inside it conflicts with us.
    if (dst_dir && replaced->attr.size != 0) return notEmpty("directory not empty: ", dn);
  }
  if (cross && src_dir) RETURN_IF_ERROR(checkNotInside(m, se->ino, dp));

  RETURN_IF_ERROR(m.delEntry(sp, sn));
  RETURN_IF_ERROR(m.putEntry(dp, dn, *se));
  --src_parent->attr.size;
  if (replaced) {
    if (replaced->attr.type == FileType::kDirectory) --dst_parent->attr.nlink;
    RETURN_IF_ERROR(m.dropLink(replaced));
  } else {
    ++dst_parent->attr.size;
  }
  if (cross && src_dir) {
    src->parent = dp;
    --src_parent->attr.nlink;
    ++dst_parent->attr.nlink;
  }
  m.touch(src, false);
  m.touch(src_parent, true);
  m.touch(dst_parent, true);
  return Status::OK();
}

Status FileSystemImpl::rename(InodeId parent, std::string_view name, InodeId new_parent,
                              std::string_view new_name, uint32_t flags) {
  return runTxn([&](MetaTxn& m) { return renameIn(m, parent, name, new_parent, new_name, flags); });
}

}  // namespace strata::fs
