// FileSystemImpl: setattr (incl. truncate) and extended attributes.
#include "fs/file_system_impl.h"
#include "fs/records.h"
#include "fs/scan.h"

namespace strata::fs {
namespace {

constexpr size_t kMaxXattrValue = 64 * 1024;  // Linux XATTR_SIZE_MAX
constexpr size_t kMaxXattrList = 100000;

Status validateXattrName(std::string_view name) {
  if (name.empty()) return invalidArgument("empty xattr name");
  if (name.size() > kMaxNameBytes) return nameTooLong("xattr name is over 255 bytes");
  if (name.find('\0') != std::string_view::npos) return invalidArgument("xattr name contains NUL");
  return Status::OK();
}

}  // namespace

Result<Attr> FileSystemImpl::setattr(InodeId ino, const SetAttr& ch) {
  if (ch.size && *ch.size > kMaxFileSize) return Status(Code::kTooLarge, "file size too large");
  return runTxnAttr([&](MetaTxn& m) -> Result<InodeRec*> {
    ASSIGN_OR_RETURN(InodeRec * rec, m.inode(ino));
    Attr& a = rec->attr;
    if (ch.size) {
      if (a.type == FileType::kDirectory) return isDirectory("cannot truncate a directory");
      if (a.type != FileType::kRegular) return invalidArgument("cannot truncate a symlink");
    }
    bool content = false;
    if (ch.size && *ch.size != a.size) {
      // Shrinking drops whole chunks past the end and shortens the straddling one; growing
      // leaves a hole that reads as zeros.
      if (*ch.size < a.size) RETURN_IF_ERROR(m.truncateChunks(ino, *ch.size));
      m.countBytes(static_cast<int64_t>(*ch.size) - static_cast<int64_t>(a.size));
      a.size = *ch.size;
      content = true;
    } else if (ch.size) {
      content = true;  // truncate to the same size still updates mtime (POSIX)
    }
    if (ch.mode) a.mode = *ch.mode & 07777;
    if (ch.uid) a.uid = *ch.uid;
    if (ch.gid) a.gid = *ch.gid;
    m.touch(rec, content);
    if (ch.atime_ns) a.atime_ns = *ch.atime_ns;
    if (ch.mtime_ns) a.mtime_ns = *ch.mtime_ns;
    return rec;
  });
}

Result<std::string> FileSystemImpl::getxattr(InodeId ino, std::string_view name) {
  RETURN_IF_ERROR(validateXattrName(name));
  ASSIGN_OR_RETURN(auto val, engine_.get(keys_.xattr(ino, name)));
  if (!val) {
    RETURN_IF_ERROR(readInode(ino).status());  // kNotFound for a missing inode
    return Status(Code::kNoData, "no such attribute: " + std::string(name));
  }
  return decodeXattr(*val);
}

Status FileSystemImpl::setxattr(InodeId ino, std::string_view name, std::string_view value,
                                XattrMode mode) {
  RETURN_IF_ERROR(validateXattrName(name));
  if (value.size() > kMaxXattrValue) return Status(Code::kTooLarge, "xattr value over 64 KiB");
  return runTxn([&](MetaTxn& m) -> Status {
    ASSIGN_OR_RETURN(InodeRec * rec, m.inode(ino));
    const std::string key = keys_.xattr(ino, name);
    ASSIGN_OR_RETURN(auto old, m.txn().get(key));
    if (mode == XattrMode::kCreate && old) return alreadyExists("attribute exists: ", name);
    if (mode == XattrMode::kReplace && !old) {
      return Status(Code::kNoData, "no such attribute: " + std::string(name));
    }
    RETURN_IF_ERROR(m.txn().put(key, encodeXattr(value)));
    m.touch(rec, false);
    return Status::OK();
  });
}

Result<std::vector<std::string>> FileSystemImpl::listxattr(InodeId ino) {
  RETURN_IF_ERROR(readInode(ino).status());
  const std::string prefix = keys_.xattrPrefix(ino);
  std::vector<std::string> names;
  RETURN_IF_ERROR(scanPrefix(engine_, prefix, [&](const db::KeyValue& kv) -> Result<bool> {
    names.push_back(kv.key.substr(prefix.size()));
    return names.size() < kMaxXattrList;
  }));
  return names;
}

Status FileSystemImpl::removexattr(InodeId ino, std::string_view name) {
  RETURN_IF_ERROR(validateXattrName(name));
  return runTxn([&](MetaTxn& m) -> Status {
    ASSIGN_OR_RETURN(InodeRec * rec, m.inode(ino));
    const std::string key = keys_.xattr(ino, name);
    ASSIGN_OR_RETURN(auto old, m.txn().get(key));
    if (!old) return Status(Code::kNoData, "no such attribute: " + std::string(name));
    RETURN_IF_ERROR(m.txn().del(key));
    m.touch(rec, false);
    return Status::OK();
  });
}

}  // namespace strata::fs
