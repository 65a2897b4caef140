// The download engine behind `strata storage download`.
//
//   download REMOTE_FILE LOCAL        LOCAL is the file, or the directory to put it in when LOCAL
//                                     is an existing directory or ends with '/'.
//   download -r REMOTE_DIR LOCAL_DIR  LOCAL_DIR ends up holding REMOTE_DIR's contents (created if
//                                     missing); empty directories and symlinks are recreated.
//
// Per file: a local file with the same size and mtime_ns as the remote one is skipped (the
// quick-check). Otherwise the chunk map is fetched and every chunk is written into a temp file
// beside the target: when a local file of the same size exists, its chunks are hashed and those
// that match are copied locally, and only the differing chunks are fetched (GET /chunks/<id>).
// Every fetched chunk is verified against its id. The temp file then gets the remote mtime and
// mode and is renamed over the target, so a reader never sees a half-written file and an
// interrupted download leaves the old file intact. Chunks of all files are fetched in parallel by
// the worker pool (large files are spread over the workers too); memory is bounded by one chunk
// per worker.
//
// Thread-safety: one call runs one download; it uses its own worker pool.
#pragma once

#include <string>

#include "cli/progress.h"
#include "cli/transfer.h"
#include "client/client.h"

namespace strata::cli {

Result<TransferResult> runDownload(const client::Client& client, const TransferOptions& options,
                                   const std::string& remote, const std::string& local, Progress& progress);

// Streams one remote file to stdout (`download REMOTE -`).
Status downloadToStdout(const client::Client& client, const std::string& fs, const std::string& remote);

}  // namespace strata::cli
