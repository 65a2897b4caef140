// The upload engine behind `strata storage upload`.
//
//   upload FILE REMOTE          REMOTE is the file, or the directory to put it in when REMOTE is
//                               an existing directory or ends with '/'.
//   upload -r DIR REMOTE_DIR    REMOTE_DIR ends up holding DIR's contents (like `rsync -r DIR/
//                               REMOTE_DIR/`), created if missing.
//
// Steps: walk the local tree; list the remote tree (one recursive listing, a request per 10,000
// entries); quick-check (size + mtime_ns) skips unchanged files; then
// - files under 1 MiB go many per request through files:write (small_files.h): bytes inline,
//   one durability barrier per request; a touched file (same size) first sends only its id;
// - files of 64 MiB and more go one at a time through a pipeline (big_file.h): read + hash a
//   window of chunks, ask which ids the server lacks, send those from the hashed buffers while
//   the next window is read;
// - the others in batches of at most 1000 files: hash the files into 4 MiB chunks on the worker
//   pool, ask the server which chunk ids it lacks, send only those (small ones packed into batch
//   requests; large ones re-read and re-verified against their id), and commit the batch's files.
//   A batch's commit overlaps the hashing and sending of the next one.
// Committed files survive an interruption, and chunks sent before it are not sent again because
// the server no longer lists them as missing: re-running the command resumes.
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
