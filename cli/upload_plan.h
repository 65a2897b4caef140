// Decides what an upload must do, before it changes anything: which files to send, which to
// skip, which empty directories to create. The quick-check is rsync's: a remote regular file
// with the same size and mtime_ns as the local one is taken as unchanged and skipped. A local
// file over a remote directory, or a local directory over a remote non-directory, is refused
// up front so a failing upload changes nothing. Pure function; thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "cli/local_tree.h"
#include "cli/remote_tree.h"

namespace strata::cli {

struct UploadPlan {
  std::vector<size_t> upload;        // indexes into LocalTree::files that must be sent
  std::vector<size_t> skip;          // indexes of unchanged files
  std::vector<LocalDir> mkdirs;      // missing remote dirs with no file to upload below them
  uint64_t upload_bytes = 0;         // total size of the files to send
  uint64_t total_bytes = 0;          // total size of all local files
};

// `remote` maps rel paths (as in LocalTree) to existing remote entries. `remote_root_display`
// only names paths in error messages.
Result<UploadPlan> planUpload(const LocalTree& local, const RemoteTree& remote, const std::string& remote_root_display);

}  // namespace strata::cli
