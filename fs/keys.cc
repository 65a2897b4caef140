#include "fs/keys.h"

#include "common/bytes.h"

namespace strata::fs {

Status validateSpaceName(std::string_view what, std::string_view name) {
  auto ok_char = [](char c, bool first) {
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) return true;
    return !first && (c == '_' || c == '-');
  };
  bool ok = !name.empty() && name.size() <= 63;
  for (size_t i = 0; ok && i < name.size(); ++i) ok = ok_char(name[i], i == 0);
  if (!ok) {
    return invalidArgument("bad ", what, " name '", name,
                           "': use 1-63 of [a-z0-9_-], starting with a letter or digit");
  }
  return Status::OK();
}

WorkspaceKeys::WorkspaceKeys(std::string_view ws) : ws_(ws), prefix_("w/" + ws_ + "/") {}

std::string WorkspaceKeys::uploadHeader(std::string_view upload_id) const {
  return prefix_ + "up/" + std::string(upload_id);
}

std::string WorkspaceKeys::uploadMemberPrefix(std::string_view upload_id) const {
  // Upload ids contain no "/", so "um/<id>/" never matches a longer id.
  return prefix_ + "um/" + std::string(upload_id) + "/";
}

std::string WorkspaceKeys::uploadMember(std::string_view upload_id, const Digest& id) const {
  return uploadMemberPrefix(upload_id) + std::string(id.raw());
}

FsKeys::FsKeys(std::string_view ws, uint64_t fsid) {
  prefix_ = "w/";
  prefix_ += ws;
  prefix_ += "/f/";
  appendU64BE(prefix_, fsid);
  prefix_ += '/';
}

std::string FsKeys::inode(InodeId ino) const {
  std::string k = prefix_ + "i/";
  appendU64BE(k, ino);
  return k;
}

std::string FsKeys::direntPrefix(InodeId parent) const {
  std::string k = prefix_ + "d/";
  appendU64BE(k, parent);
  return k;
}

std::string FsKeys::dirent(InodeId parent, std::string_view name) const {
  std::string k = direntPrefix(parent);
  k += name;
  return k;
}

std::string FsKeys::chunkPrefix(InodeId ino) const {
  std::string k = prefix_ + "c/";
  appendU64BE(k, ino);
  return k;
}

std::string FsKeys::chunk(InodeId ino, uint64_t index) const {
  std::string k = chunkPrefix(ino);
  appendU64BE(k, index);
  return k;
}

std::string FsKeys::xattrPrefix(InodeId ino) const {
  std::string k = prefix_ + "x/";
  appendU64BE(k, ino);
  return k;
}

std::string FsKeys::xattr(InodeId ino, std::string_view name) const {
  std::string k = xattrPrefix(ino);
  k += name;
  return k;
}

std::string FsKeys::usageShard(uint32_t shard) const {
  std::string k = prefix_ + "u/";
  appendU32BE(k, shard);
  return k;
}

}  // namespace strata::fs
