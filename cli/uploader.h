// The upload engine behind `strata storage upload`.
//
//   upload FILE REMOTE          REMOTE is the file, or the directory to put it in when REMOTE is
//                               an existing directory or ends with '/'.
//   upload -r DIR REMOTE_DIR    REMOTE_DIR ends up holding DIR's contents (like `rsync -r DIR/
//                               REMOTE_DIR/`), created if missing.
//
// Steps: walk the local tree; list the remote tree; quick-check (size + mtime_ns) skips unchanged
// files; then, in batches of at most 1000 files: hash the files into 4 MiB chunks on the worker
// pool (one chunk buffer per worker, never a whole file; small files keep their bytes, within a
// per-batch bound), ask the server which chunk ids it lacks, send only those (small ones packed
// into batch requests; large ones re-read and re-verified against their id), and commit the
// batch's files with their size, mtime_ns and mode. A batch's commit overlaps the hashing and
// sending of the next one (at most one commit in flight; its chunks are stored first). Committed
// batches survive an interruption, and chunks sent before it are not sent again because the
// server no longer lists them as missing: re-running the command resumes.
//
// Thread-safety: one call runs one upload; it uses its own worker pool.
#pragma once

#include <string>

#include "cli/progress.h"
#include "cli/transfer.h"
#include "client/client.h"

namespace strata::cli {

Result<TransferResult> runUpload(const client::Client& client, const TransferOptions& options,
                                 const std::string& local, const std::string& remote, Progress& progress);

}  // namespace strata::cli
