// Walks a local directory tree for upload. Regular files and directories are collected with
// the attributes the quick-check compares (size, mtime_ns) and the mode to keep. Symlinks are
// NOT followed and not uploaded: following them could upload a tree twice or leave the tree,
// and the REST upload has no symlink call yet; they are listed in `skipped` so the CLI can warn.
// Sockets, FIFOs, devices and names that are not valid UTF-8 are skipped the same way.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"

namespace strata::cli {

struct LocalFile {
  std::string rel;  // relative to the root, '/'-separated; "" when the root itself is the file
  uint64_t size = 0;
  int64_t mtime_ns = 0;
  uint32_t mode = 0644;  // permission bits
};

struct LocalDir {
  std::string rel;
  uint32_t mode = 0755;
};

struct LocalTree {
  std::vector<LocalFile> files;      // sorted by rel
  std::vector<LocalDir> dirs;        // sorted by rel; parents before children; excludes the root
  std::vector<std::string> skipped;  // rel paths of entries not uploaded (symlinks, ...)
};

// Walks the directory `root` (which must be a directory).
Result<LocalTree> walkLocalTree(const std::string& root);

// The tree of a single regular file (rel ""), from stat(2) of `path`.
Result<LocalTree> singleFileTree(const std::string& path);

}  // namespace strata::cli
