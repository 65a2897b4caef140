// NodeTable: the FileNodes of the files this mount has open, by inode, with a count of open
// handles. A node lives while a handle is open or it holds unflushed changes; when it goes,
// the version it last saw is remembered so that reopening an unchanged file keeps the kernel
// page cache (FOPEN_KEEP_CACHE).
//
// Thread-safe.
#pragma once

#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "mount/file_node.h"

namespace strata::mount {

class NodeTable {
 public:
  explicit NodeTable(NodeEnv& env) : env_(env) {}

  // The node of `ino` with one more open handle (created when absent).
  std::shared_ptr<FileNode> open(fs::InodeId ino);
  // One handle fewer; the node is dropped when none remain and it has nothing to flush.
  void close(fs::InodeId ino);
  // The node when the file is open on this mount, else null.
  std::shared_ptr<FileNode> find(fs::InodeId ino);
  std::vector<std::shared_ptr<FileNode>> all();
  // The version this mount last saw of a closed file (0 when unknown).
  uint64_t rememberedVersion(fs::InodeId ino);
  void forgetVersion(fs::InodeId ino);

 private:
  struct Slot {
    std::shared_ptr<FileNode> node;
    int opens = 0;
  };
  static constexpr size_t kMaxRemembered = 200000;

  NodeEnv& env_;
  std::mutex mu_;
  std::unordered_map<fs::InodeId, Slot> nodes_;          // guarded by mu_
  std::unordered_map<fs::InodeId, uint64_t> versions_;   // guarded by mu_
};

}  // namespace strata::mount
