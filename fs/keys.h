// Key layout of the file-system service in db::Engine (docs/formats.md, "keys").
//
// Everything of a workspace lives under "w/<ws>/"; workspace and file-system names are checked
// by validateSpaceName (no "/"), so a prefix never matches a longer name. Integers in keys are
// big-endian so that bytewise key order is numeric order. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/sha256.h"
#include "common/status.h"
#include "fs/types.h"

namespace strata::fs {

// Names of workspaces and file systems: [a-z0-9][a-z0-9_-]{0,62}.
Status validateSpaceName(std::string_view what, std::string_view name);

// Keys of one workspace that are not tied to a file system: the file-system catalogue and the
// chunk layer (reference counts, collector queue, pins, uploads).
class WorkspaceKeys {
 public:
  explicit WorkspaceKeys(std::string_view ws);

  const std::string& ws() const { return ws_; }
  // "fsw/<ws>": registry of workspaces that have file systems (the collector walks it).
  static std::string registryPrefix() { return "fsw/"; }
  std::string registry() const { return "fsw/" + ws_; }

  std::string fsRecord(std::string_view name) const { return prefix_ + "fs/" + std::string(name); }
  std::string fsRecordPrefix() const { return prefix_ + "fs/"; }
  std::string fsIdCounter() const { return prefix_ + "fsn"; }

  std::string refcount(const Digest& id) const { return prefix_ + "r/" + std::string(id.raw()); }
  std::string refcountPrefix() const { return prefix_ + "r/"; }
  std::string gcEntry(const Digest& id) const { return prefix_ + "g/" + std::string(id.raw()); }
  std::string gcPrefix() const { return prefix_ + "g/"; }
  std::string pin(const Digest& id) const { return prefix_ + "p/" + std::string(id.raw()); }
  std::string uploadHeader(std::string_view upload_id) const;
  std::string uploadHeaderPrefix() const { return prefix_ + "up/"; }
  std::string uploadMember(std::string_view upload_id, const Digest& id) const;
  std::string uploadMemberPrefix(std::string_view upload_id) const;

  // Fixed-length suffix after a prefix above: the chunk id of r/, g/, p/ and um/ keys.
  static Digest idAfter(std::string_view key, size_t prefix_len) {
    return Digest::fromRaw(key.substr(prefix_len, 32));
  }

 private:
  std::string ws_;
  std::string prefix_;  // "w/<ws>/"
};

// Keys of one file system: "w/<ws>/f/<fsid BE64>/...".
class FsKeys {
 public:
  FsKeys(std::string_view ws, uint64_t fsid);

  const std::string& prefix() const { return prefix_; }
  std::string inode(InodeId ino) const;
  std::string inodePrefix() const { return prefix_ + "i/"; }
  std::string dirent(InodeId parent, std::string_view name) const;
  std::string direntPrefix(InodeId parent) const;  // all entries of one directory
  std::string direntAllPrefix() const { return prefix_ + "d/"; }
  std::string chunk(InodeId ino, uint64_t index) const;
  std::string chunkPrefix(InodeId ino) const;
  std::string chunkAllPrefix() const { return prefix_ + "c/"; }
  std::string xattr(InodeId ino, std::string_view name) const;
  std::string xattrPrefix(InodeId ino) const;
  std::string xattrAllPrefix() const { return prefix_ + "x/"; }
  std::string inodeCounter() const { return prefix_ + "n"; }
  std::string usageShard(uint32_t shard) const;
  std::string usagePrefix() const { return prefix_ + "u/"; }

 private:
  std::string prefix_;  // "w/<ws>/f/<fsid BE64>/"
};

// Usage counters are spread over this many records so that creates in different directories
// do not all conflict on one key (docs/formats.md, "usage counters").
constexpr uint32_t kUsageShards = 32;

}  // namespace strata::fs
